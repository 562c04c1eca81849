/**
 * Decoders for the message encodings found in recordings, built from the schema stored in the file (so files
 * written by Foxglove, ROS 2 or others decode too): protobuf (FileDescriptorSet), json (with jsonschema or
 * schemaless), and ROS 2 CDR (ros2msg definitions). Anything else is refused with a RecordingError that names the
 * topic and the encoding.
 */
import { parse as parseRosMsg } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { RecordingError } from '../../contracts/errors.ts';
import type { ChannelInfo, Decoded } from '../types.ts';
import { decodeProto, rootFromDescriptorBytes } from './protobuf.ts';

export type Decoder = (data: Uint8Array) => Decoded;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds the decoder for one channel. Throws RecordingError when the encoding or the schema is unusable. */
export function createDecoder(channel: ChannelInfo, schemaData: Uint8Array): Decoder {
  const enc = channel.messageEncoding;
  const schemaEnc = channel.schemaEncoding;
  if (enc === 'protobuf' && schemaEnc === 'protobuf') return protobufDecoder(channel, schemaData);
  if (enc === 'json' && (schemaEnc === 'jsonschema' || schemaEnc === '')) return jsonDecoder(channel);
  if (enc === 'cdr' && schemaEnc === 'ros2msg') return cdrDecoder(channel, schemaData);
  const known = ['protobuf', 'json', 'cdr'].includes(enc);
  throw new RecordingError({
    what: known
      ? `cannot decode topic ${channel.topic}: unsupported schema encoding '${schemaEnc}' for message encoding '${enc}'`
      : `cannot decode topic ${channel.topic}: unknown message encoding '${enc}'`,
    where: `channel ${channel.id} (${channel.schemaName || 'no schema'})`,
    hint: 'supported: protobuf+protobuf, json+jsonschema, cdr+ros2msg',
  });
}

function schemaError(channel: ChannelInfo, detail: string, cause: unknown): RecordingError {
  return new RecordingError({
    what: `cannot use the ${channel.schemaEncoding} schema '${channel.schemaName}' of topic ${channel.topic}: ${detail}`,
    where: `channel ${channel.id}`,
    hint: 'the recording carries a broken or incomplete schema',
    cause,
  });
}

function messageError(channel: ChannelInfo, detail: string, cause: unknown): RecordingError {
  return new RecordingError({
    what: `cannot decode a ${channel.schemaName || channel.messageEncoding} message on ${channel.topic}: ${detail}`,
    where: `channel ${channel.id}`,
    cause,
  });
}

function protobufDecoder(channel: ChannelInfo, schemaData: Uint8Array): Decoder {
  let type: ReturnType<ReturnType<typeof rootFromDescriptorBytes>['lookupType']>;
  try {
    type = rootFromDescriptorBytes(schemaData).lookupType(channel.schemaName);
  } catch (err) {
    throw schemaError(channel, (err as Error).message, err);
  }
  return (data) => {
    try {
      return decodeProto(type, data);
    } catch (err) {
      throw messageError(channel, (err as Error).message, err);
    }
  };
}

function jsonDecoder(channel: ChannelInfo): Decoder {
  return (data) => {
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(data));
    } catch (err) {
      throw messageError(channel, (err as Error).message, err);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw messageError(channel, 'JSON message is not an object', undefined);
    }
    return value as Decoded;
  };
}

function cdrDecoder(channel: ChannelInfo, schemaData: Uint8Array): Decoder {
  let reader: MessageReader;
  try {
    const defs = parseRosMsg(utf8.decode(schemaData), { ros2: true });
    if (defs.length === 0) throw new Error('empty message definition');
    reader = new MessageReader(defs);
  } catch (err) {
    throw schemaError(channel, (err as Error).message, err);
  }
  return (data) => {
    try {
      return reader.readMessage<Decoded>(data);
    } catch (err) {
      throw messageError(channel, (err as Error).message, err);
    }
  };
}
