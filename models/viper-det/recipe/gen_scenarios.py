#!/usr/bin/env python3
"""Write extra, seeded training scenarios (JSON, `viper simulate` format) with varied actor mixes, colours,
lighting and weather. Deterministic: the same --seed writes the same files. None of them reuses a held-out
scenario (urban_intersection, rain_noise); they are built from random straight streets and junctions.

    /usr/bin/python3 models/viper-det/recipe/gen_scenarios.py --count 32 --seed 7               # train_gen_NN
    /usr/bin/python3 models/viper-det/recipe/gen_scenarios.py --kind variety --count 16 --seed 11  # train_var_NN
    /usr/bin/python3 models/viper-det/recipe/gen_scenarios.py --kind twowheel --count 12 --seed 13  # train_tw_NN

`--kind street` (default): traffic driving straight along the street and the crossing one. `--kind variety`:
always a junction, with vehicles turning, standing at random headings and crossing broadside, rare classes
(truck, bus, motorcycle) weighted up and vehicle sizes varied, so those classes are seen from more angles.
`--kind twowheel`: the variety junctions with cyclists and motorcycles weighted up instead.
`--kind headon`: long straight streets with buses and trucks ahead, behind and oncoming (seen head-on and from
behind, 15–150 m away) and pedestrians in groups on the sidewalks and crossing, more of them at night.
"""
import argparse
import json
import os
import random

CLASSES = ['car', 'truck', 'bus', 'pedestrian', 'cyclist', 'motorcycle']
# Weights favour the classes the bundled scenarios have few of (bus, motorcycle, cyclist, truck).
VEHICLE_W = {'car': 4, 'truck': 2, 'bus': 2, 'motorcycle': 2, 'cyclist': 2}
LIGHT = [('day', 0.55), ('dusk', 0.2), ('night', 0.25)]


def pick(r, pairs):
    x = r.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def colour(r):
    return [r.randrange(20, 240), r.randrange(20, 240), r.randrange(20, 240)]


def scenario(i, r):
    length = 320
    lanes = r.choice([2, 2, 4, 4, 6])
    roads = [{'id': 'main', 'points': [[0, 0], [length, 0]], 'lanes': lanes, 'sidewalk': r.choice([2, 3, 4])}]
    cross = r.random() < 0.5
    if cross:
        roads.append({'id': 'side', 'points': [[160, -150], [160, 150]], 'lanes': 2, 'sidewalk': 3})
    half = (lanes + 1) // 2
    ego_lane = r.randint(1, half)
    ego_at = r.uniform(30, 60)
    ego_speed = r.choice([0, 4, 7, 10, 13])
    actors = []
    used = {}  # (road, lane) -> spawn positions, m; spawns closer than 16 m would overlap

    def free(road, lane, at, gap=16):
        taken = used.setdefault((road, lane), [])
        if any(abs(at - u) < gap for u in taken):
            return False
        taken.append(at)
        return True

    free('main', ego_lane, ego_at)
    n_veh = r.randint(7, 12)
    for k in range(n_veh):
        cls = pick(r, list(VEHICLE_W.items()))
        forward = r.random() < 0.5
        lane = r.randint(1, half) if forward else -r.randint(1, half)
        start = min(max(r.uniform(ego_at - 30, ego_at + 120), 1), length - 10)
        end = length - 5 if forward else 0
        if not free('main', lane, start):
            continue
        speed = r.uniform(3, 7) if cls == 'cyclist' else r.uniform(5, 16)
        off = -1.2 if cls == 'cyclist' else r.uniform(-0.4, 0.4)
        a = {'id': f'V{k}', 'class': cls,
             'route': [{'road': 'main', 'at': round(start, 1), 'lane': lane, 'offset': off},
                       {'road': 'main', 'at': end, 'lane': lane, 'offset': off}],
             'speed': round(speed, 1), 'color': colour(r)}
        if r.random() < 0.2:
            a['behaviours'] = [{'type': 'stop', 'at': round(r.uniform(0.5, 4), 1), 'duration': 2}]
        actors.append(a)
    if cross:
        for k in range(r.randint(2, 5)):
            cls = pick(r, list(VEHICLE_W.items()))
            forward = r.random() < 0.5
            lane = 1 if forward else -1
            start = r.uniform(60, 150) if forward else r.uniform(170, 260)
            if not free('side', lane, start):
                continue
            actors.append({'id': f'X{k}', 'class': cls,
                           'route': [{'road': 'side', 'at': round(start, 1), 'lane': lane},
                                     {'road': 'side', 'at': 300 if forward else 0, 'lane': lane}],
                           'speed': round(r.uniform(4, 12), 1), 'color': colour(r)})
    objects = []
    for k in range(r.randint(0, 4)):
        t = r.choice(['parked_car', 'parked_van', 'parked_truck', 'tree', 'pole'])
        side = r.choice([-1, 1])
        x = r.uniform(ego_at, ego_at + 100)
        if not free('park', side, x):
            continue
        objects.append({'type': t, 'position': [round(x, 1),
                                                side * (lanes * 3.5 / 2 + 1.2)], 'yaw': 0})
    for k in range(r.randint(4, 12)):
        side = r.choice(['left', 'right'])
        at = r.uniform(ego_at - 10, ego_at + 90)
        walk = r.random() < 0.8
        if not free('ped', side, at, 2.5):
            continue
        sy = 1 if side == 'left' else -1
        if any(abs(o['position'][0] - at) < 8 and o['position'][1] * sy > 0 for o in objects):
            continue
        a = {'id': f'P{k}', 'class': 'pedestrian', 'color': colour(r)}
        if walk:
            at = min(max(at, 1), length - 1)
            to = min(max(at + r.choice([-40, 40]), 0), length)
            a['route'] = [{'road': 'main', 'at': round(at, 1), 'side': side},
                          {'road': 'main', 'at': round(to, 1), 'side': side}]
            a['speed'] = round(r.uniform(0.8, 1.8), 2)
        else:
            w = lanes * 3.5 / 2 + 1.5
            y = w if side == 'left' else -w
            a['route'] = [[round(at, 1), y]]
            a['heading'] = r.randrange(0, 360)
        actors.append(a)
    if r.random() < 0.6:  # a pedestrian crossing the road in front of the ego
        x = round(ego_at + r.uniform(15, 45), 1)
        w = lanes * 3.5 / 2 + 2
        actors.append({'id': 'PC', 'class': 'pedestrian', 'route': [[x, -w], [x, w]],
                       'speed': round(r.uniform(1, 1.6), 2), 'behaviours': [{'type': 'cross', 'at': 0.5}]})
    time = pick(r, LIGHT)
    sensor = {'noise': round(r.uniform(1, 6), 1), 'blur': r.choice([0, 0, 0, 1]),
              'exposure': round(r.uniform(-0.6, 0.3), 2), 'rain': r.choice([0, 0, 0, round(r.uniform(0.2, 0.9), 2)]),
              'jpegQuality': r.choice([70, 80, 85, 90])}
    return {
        'name': f'train_gen_{i:02d}',
        'description': 'Generated training scenario for the bundled detector (gen_scenarios.py).',
        'duration': 6, 'rate': 10, 'seed': 1000 + i,
        'lighting': {'time': time, 'sunAzimuth': r.randrange(0, 360), 'sunElevation': r.randrange(15, 70)},
        'sensor': sensor,
        'map': {'roads': roads, 'objects': objects, 'ground': r.choice(['grass', 'concrete'])},
        'ego': {'route': [{'road': 'main', 'at': round(ego_at, 1), 'lane': ego_lane},
                          {'road': 'main', 'at': length - 5, 'lane': ego_lane}], 'speed': ego_speed},
        'actors': actors,
    }


RARE = {'truck': 3, 'bus': 3, 'motorcycle': 3, 'cyclist': 2, 'car': 1}
# --kind twowheel: the same junctions, with cyclists and motorcycles the most common vehicles (the previous
# model's weakest classes: cyclists called pedestrians, motorcycles called cyclists).
TWO_WHEEL = {'cyclist': 3, 'motorcycle': 3, 'truck': 1, 'bus': 1, 'car': 1}
KINDS = {'variety': ('train_var', 2000, RARE), 'twowheel': ('train_tw', 3000, TWO_WHEEL)}
SIZE = {'car': [4.5, 1.8, 1.5], 'truck': [8.0, 2.5, 3.2], 'bus': [12.0, 2.55, 3.2], 'motorcycle': [2.1, 0.8, 1.4],
        'cyclist': [1.8, 0.6, 1.7]}


def variety(i, r, kind='variety'):
    """A junction scenario built for viewpoint variety of the rare classes: vehicles turning from the main
    street into the crossing one (seen diagonally and broadside), vehicles standing at random headings on the
    streets, traffic on the crossing street, varied vehicle sizes, the ego slow or stopped before the junction.
    Lighting, weather and pedestrians as in `scenario`. Spawn points are kept 16 m apart (and from the ego)."""
    prefix, seed0, weights = KINDS[kind]
    s = scenario(i, r)
    s['name'] = f'{prefix}_{i:02d}'
    s['description'] = ('Generated viewpoint-variety training scenario for the bundled detector '
                        f'(gen_scenarios.py --kind {kind}).')
    s['seed'] = seed0 + i
    lanes = s['map']['roads'][0]['lanes']
    if len(s['map']['roads']) == 1:
        s['map']['roads'].append({'id': 'side', 'points': [[160, -150], [160, 150]], 'lanes': 2, 'sidewalk': 3})
    half = (lanes + 1) // 2
    ego_at = round(r.uniform(100, 135), 1)
    ego_speed = r.choice([0, 0, 2, 4])
    s['ego'] = {'route': [{'road': 'main', 'at': ego_at, 'lane': 1}, {'road': 'main', 'at': 315, 'lane': 1}],
                'speed': ego_speed}
    s['actors'] = [a for a in s['actors'] if a['class'] == 'pedestrian' and a['id'] != 'PC']
    s['map']['objects'] = [o for o in s['map']['objects'] if o['type'] in ('tree', 'pole')]
    spawns = []  # (x, y, gap) of everything spawned at t = 0; the ego's path is checked separately
    sw = lanes * 3.5 / 2 + s['map']['roads'][0]['sidewalk'] / 2
    for a in s['actors']:
        w = a['route'][0]
        if isinstance(w, dict):
            spawns.append((w['at'], sw if w['side'] == 'left' else -sw, 9.0))
        else:
            spawns.append((w[0], w[1], 9.0))

    def ok(x, y, t):
        ex = ego_at + ego_speed * t
        if abs(x - ex) < 16 and abs(y + 1.75) < 6:
            return False
        return all((x - u) ** 2 + (y - v) ** 2 >= g * g for u, v, g in spawns)

    def lane_y(lane):  # lateral position on the main street (+x), + left
        return -(lane - 0.5) * 3.5 if lane > 0 else (-lane - 0.5) * 3.5

    def size(cls):
        k = r.uniform(0.85, 1.2)
        b = SIZE[cls]
        return [round(b[0] * k, 2), round(b[1] * r.uniform(0.92, 1.08), 2), round(b[2] * r.uniform(0.9, 1.12), 2)]

    n = 0
    for k in range(r.randint(4, 7)):  # turning vehicles
        cls = pick(r, list(weights.items()))
        for _ in range(20):
            fwd = r.random() < 0.5
            lane = r.randint(1, half) if fwd else -r.randint(1, half)
            start = r.uniform(40, 140) if fwd else r.uniform(180, 280)
            t0 = 0
            if ok(start, lane_y(lane), t0):
                break
        else:
            continue
        spawns.append((start, lane_y(lane), 16.0))
        left = r.random() < 0.5
        side_end = {'road': 'side', 'at': 300, 'lane': 1} if left == fwd else {'road': 'side', 'at': 0, 'lane': -1}
        s['actors'].append({'id': f'T{k}', 'class': cls,
                            'route': [{'road': 'main', 'at': round(start, 1), 'lane': lane},
                                      {'road': 'main', 'at': 160, 'lane': lane}, side_end],
                            'speed': round(r.uniform(3, 9), 1), 'color': colour(r), 'size': size(cls),
                            'behaviours': [{'type': 'turn', 'radius': round(r.uniform(6, 12), 1)}]})
    for k in range(r.randint(3, 6)):  # standing vehicles at random headings
        cls = pick(r, list(weights.items()))
        for _ in range(20):
            if r.random() < 0.6:  # on the main street, ahead or behind
                x = r.uniform(ego_at + 10, ego_at + 70) if r.random() < 0.7 else r.uniform(ego_at - 45, ego_at - 10)
                y = r.uniform(-1, 1) * (lanes * 3.5 / 2 - 1.5)
            else:  # on the crossing street
                x, y = 160 + r.uniform(-2, 2), r.choice([-1, 1]) * r.uniform(10, 50)
            if ok(x, y, 0):
                break
        else:
            continue
        spawns.append((x, y, 16.0))
        s['actors'].append({'id': f'S{k}', 'class': cls, 'route': [[round(x, 1), round(y, 1)]],
                            'heading': r.randrange(0, 360), 'color': colour(r), 'size': size(cls)})
    for k in range(r.randint(2, 4)):  # traffic on the crossing street, seen broadside
        cls = pick(r, list(weights.items()))
        for _ in range(20):
            fwd = r.random() < 0.5
            at = r.uniform(30, 120) if fwd else r.uniform(180, 270)
            x, y = 160 + (1.75 if fwd else -1.75), at - 150
            if ok(x, y, 0):
                break
        else:
            continue
        spawns.append((x, y, 16.0))
        s['actors'].append({'id': f'X{k}', 'class': cls,
                            'route': [{'road': 'side', 'at': round(at, 1), 'lane': 1 if fwd else -1},
                                      {'road': 'side', 'at': 300 if fwd else 0, 'lane': 1 if fwd else -1}],
                            'speed': round(r.uniform(3, 12), 1), 'color': colour(r), 'size': size(cls)})
    return s


# --kind headon: run 11's error analysis on val (models/viper-det/README.md) found buses lose most AP to
# bus/truck confusions when seen head-on or from behind 20-50 px tall, and pedestrians to small crowded ones.
HEADON_W = {'bus': 3, 'truck': 3, 'car': 2, 'motorcycle': 1}
HEADON_LIGHT = [('day', 0.45), ('dusk', 0.2), ('night', 0.35)]


def headon(i, r):
    """A straight street where every vehicle keeps its lane at its lane's speed (so none runs into another):
    buses and trucks weighted up, ahead of the ego and behind it in its direction, oncoming on the other side,
    15-150 m away; pedestrians in groups of 3-6 standing or walking together on the sidewalks (beside parked
    vehicles as the street scenarios have them) and, when the ego is slow, a group crossing ahead."""
    s = scenario(i, r)
    s['name'] = f'train_head_{i:02d}'
    s['description'] = ('Generated head-on / crowd training scenario for the bundled detector '
                        '(gen_scenarios.py --kind headon).')
    s['seed'] = 4000 + i
    s['lighting']['time'] = pick(r, HEADON_LIGHT)
    road = s['map']['roads'][0]
    lanes, length = road['lanes'], road['points'][1][0]
    half = (lanes + 1) // 2
    ego_at = round(r.uniform(60, 110), 1)
    ego_speed = r.choice([0, 0, 3, 6, 9])
    ego_lane = r.randint(1, half)
    s['ego'] = {'route': [{'road': 'main', 'at': ego_at, 'lane': ego_lane},
                          {'road': 'main', 'at': length - 5, 'lane': ego_lane}], 'speed': ego_speed}
    taken = {}  # lane -> spawn positions, m (a 12 m bus needs 18 m)

    def free(lane, at, gap=18):
        u = taken.setdefault(lane, [])
        if any(abs(at - v) < gap for v in u):
            return False
        u.append(at)
        return True

    free(ego_lane, ego_at, 24)
    speed = {}
    for lane in [*range(1, half + 1), *range(-half, 0)]:
        # the ego's lane moves at least as fast as the ego, so the ego never reaches the vehicle ahead
        speed[lane] = round(ego_speed + r.uniform(0, 3) if lane == ego_lane else r.uniform(4, 13), 1)
    actors = []
    for k in range(r.randint(8, 14)):
        cls = pick(r, list(HEADON_W.items()))
        for _ in range(20):
            lane = r.randint(1, half) if r.random() < 0.55 else -r.randint(1, half)
            if lane > 0:
                # behind the ego in its own lane 25 m or more: that lane may be 3 m/s faster than the ego
                back = 25 if lane == ego_lane else 15
                at = ego_at + (r.uniform(15, 150) if r.random() < 0.7 else -r.uniform(back, 80))
            else:
                at = ego_at + r.uniform(25, 200)
            if 1 <= at <= length - 10 and free(lane, at):
                break
        else:
            continue
        k_len = r.uniform(0.85, 1.15)
        b = SIZE[cls]
        actors.append({'id': f'V{k}', 'class': cls,
                       'route': [{'road': 'main', 'at': round(at, 1), 'lane': lane},
                                 {'road': 'main', 'at': length - 5 if lane > 0 else 0, 'lane': lane}],
                       'speed': speed[lane], 'color': colour(r),
                       'size': [round(b[0] * k_len, 2), b[1], round(b[2] * r.uniform(0.92, 1.08), 2)]})
    objects = s['map']['objects']
    walk_y = lanes * 3.5 / 2 + road['sidewalk'] / 2
    n = 0
    groups = []
    for g in range(r.randint(2, 5)):
        side = r.choice([-1, 1])
        gx = r.uniform(ego_at - 10, ego_at + 90)
        if any(abs(gx - x) < 10 and sd == side for x, sd in groups):
            continue
        if any(abs(o['position'][0] - gx) < 8 and o['position'][1] * side > 0 for o in objects):
            continue
        groups.append((gx, side))
        walk = r.random() < 0.6
        dirn = r.choice([-1, 1])
        v = round(r.uniform(0.8, 1.5), 2)
        for m in range(r.randint(3, 6)):
            x = round(gx + m * 0.9 + r.uniform(-0.15, 0.15), 2)  # two loose rows, ~1 m apart
            y = round(side * (walk_y + (0.45 if m % 2 else -0.45) + r.uniform(-0.1, 0.1)), 2)
            a = {'id': f'G{n}', 'class': 'pedestrian', 'color': colour(r)}
            if walk:
                a['route'] = [[x, y], [round(x + dirn * 30, 1), y]]
                a['speed'] = v
            else:
                a['route'] = [[x, y]]
                a['heading'] = r.randrange(0, 360)
            actors.append(a)
            n += 1
    if ego_speed <= 3 and r.random() < 0.6:  # a group crossing the street ahead
        x0 = ego_at + r.uniform(20, 55)
        edge = lanes * 3.5 / 2
        side = r.choice([-1, 1])
        v = round(r.uniform(1, 1.5), 2)
        near = any(abs(x0 - gx) < 12 and sd == side for gx, sd in groups)
        for m in range(0 if near else r.randint(3, 5)):
            x = round(x0 + m * 0.9 + r.uniform(-0.15, 0.15), 2)
            y = side * (edge + r.uniform(0.3, road['sidewalk'] - 0.3))
            actors.append({'id': f'C{m}', 'class': 'pedestrian', 'color': colour(r),
                           'route': [[x, round(y, 1)], [x, round(-side * (edge + 1), 1)]], 'speed': v,
                           'behaviours': [{'type': 'cross', 'at': 0.5}]})
    s['actors'] = actors
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--count', type=int, default=8)
    ap.add_argument('--first', type=int, default=0,
                    help='index of the first scenario (name and simulator seed), to add scenarios beside earlier ones')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--kind', choices=['street', 'headon', *KINDS], default='street')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), 'scenarios'))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    r = random.Random(a.seed)
    for i in range(a.first, a.first + a.count):
        s = (scenario(i, r) if a.kind == 'street' else headon(i, r) if a.kind == 'headon'
             else variety(i, r, a.kind))
        with open(os.path.join(a.out, s['name'] + '.json'), 'w') as f:
            json.dump(s, f, indent=1)


if __name__ == '__main__':
    main()
