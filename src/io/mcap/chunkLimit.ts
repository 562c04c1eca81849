/**
 * Largest uncompressed chunk Viper's readers accept, in Node and in the viewer: a damaged chunk header can claim
 * any size, and a decompressor would try to allocate it (writers use 4 MiB; 1 GiB leaves room for huge images).
 */
export const MAX_UNCOMPRESSED_CHUNK = 1 << 30;
