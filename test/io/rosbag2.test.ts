import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RecordingError } from '../../src/contracts/errors.ts';
import { normalizeRosType } from '../../src/contracts/schemaKinds.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { describeShared, shared } from '../shared.ts';
import { viper, viperInProcess } from '../testing/cli.ts';

interface BagMeta {
  rosbag2_bagfile_information: {
    message_count: number;
    relative_file_paths: string[];
    topics_with_message_count: {
      message_count: number;
      topic_metadata: { name: string; type: string; serialization_format: string };
    }[];
  };
}

const BAGS = ['talker', 'cdr_test', 'test_bag_for_seek', 'wrong_rmw_test'];

function meta(bag: string) {
  return (parseYaml(readFileSync(shared('data', 'rosbag2', bag, 'metadata.yaml'), 'utf8')) as BagMeta)
    .rosbag2_bagfile_information;
}

describeShared('real rosbag2 MCAP files', () => {
  for (const bag of BAGS) {
    it(`${bag}: topics, types and counts match metadata.yaml`, async () => {
      const info = meta(bag);
      const r = await RecordingReader.open(
        shared('data', 'rosbag2', bag, info.relative_file_paths[0] as string),
      );
      const s = r.summary();
      expect(s.profile).toBe('ros2');
      expect(s.messageCount).toBe(info.message_count);
      const expected = info.topics_with_message_count.map((t) => ({
        topic: t.topic_metadata.name,
        type: t.topic_metadata.type,
        encoding: t.topic_metadata.serialization_format,
        count: t.message_count,
      }));
      const got = s.channels.map((c) => ({
        topic: c.topic,
        type: c.schemaName,
        encoding: c.messageEncoding,
        count: c.messageCount,
      }));
      const byTopic = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
      expect(got.sort(byTopic)).toEqual(expected.sort(byTopic));

      const perTopic = new Map<string, number>();
      let last = -1n;
      for await (const m of r.messages()) {
        expect(m.logTimeNs >= last).toBe(true);
        last = m.logTimeNs;
        perTopic.set(m.channel.topic, (perTopic.get(m.channel.topic) ?? 0) + 1);
        if (bag === 'wrong_rmw_test') continue;
        const decoded = r.decoder(m.channel.id)(m.data);
        expect(typeof decoded).toBe('object');
        if (normalizeRosType(m.channel.schemaName) === 'test_msgs/msg/BasicTypes')
          expect(decoded).toHaveProperty('int32_value');
        if (m.channel.topic === '/topic') expect(String(decoded.data)).toMatch(/^Hello, world! \d+$/);
      }
      for (const e of expected) expect(perTopic.get(e.topic) ?? 0).toBe(e.count);
      await r.close();
    });
  }

  it('wrong_rmw_test: decoding is refused with a clear one-line error naming topic and encoding', async () => {
    const r = await RecordingReader.open(
      shared('data', 'rosbag2', 'wrong_rmw_test', 'wrong_rmw_test_0.mcap'),
    );
    for (const c of r.channels()) {
      let err: unknown;
      try {
        r.decoder(c.id);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RecordingError);
      const msg = (err as Error).message;
      expect(msg).toContain(c.topic);
      expect(msg).toContain("unknown message encoding 'wrong_format'");
      expect(msg).not.toContain('\n');
    }
    await r.close();
  });

  it('a bag folder is read as the MCAP file inside it, as `ros2 bag play <folder>` takes it', async () => {
    const r = await RecordingReader.open(shared('data', 'rosbag2', 'talker'));
    expect(r.path).toBe(shared('data', 'rosbag2', 'talker', 'talker.mcap'));
    expect(r.summary().messageCount).toBe(meta('talker').message_count);
    await r.close();
  });

  it('inspect names the topics it cannot decode (wrong_rmw_test), and exits 0: it is a report', async () => {
    const r = viper(['inspect', shared('data', 'rosbag2', 'wrong_rmw_test'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { topics: { topic: string; undecodable?: string }[] };
    expect(report.topics.map((t) => [t.topic, t.undecodable])).toEqual([
      ['/array_topic', "cannot decode topic /array_topic: unknown message encoding 'wrong_format'"],
      ['/test_topic', "cannot decode topic /test_topic: unknown message encoding 'wrong_format'"],
    ]);
    const text = await viperInProcess(['inspect', shared('data', 'rosbag2', 'cdr_test')]);
    expect(text.stdout).not.toContain('problems');
    expect((await viperInProcess(['inspect', shared('data', 'rosbag2', 'wrong_rmw_test')])).stdout).toContain(
      "  problems (Viper decodes protobuf, json and ROS 2 cdr messages):\n    cannot decode topic /array_topic: unknown message encoding 'wrong_format'\n",
    );
  });

  it('test_bag_for_seek: old-style type name decodes and seeks by time', async () => {
    const r = await RecordingReader.open(
      shared('data', 'rosbag2', 'test_bag_for_seek', 'test_bag_for_seek_0.mcap'),
    );
    const values: unknown[] = [];
    for await (const m of r.messages({ startNs: 1_200_000_000n }))
      values.push(r.decoder(m.channel.id)(m.data).int32_value);
    await r.close();
    expect(values).toEqual([3, 4, 5]);
  });
});
