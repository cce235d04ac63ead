#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpus of the ring-consumer fuzz target.

    tests/fuzz/seeds-ring-consumer.py tests/fuzz/corpus/ring-consumer

Each seed is a setup and a script of operations in the input format that
tests/fuzz/fuzz-ring-consumer.c describes: a few rings as the kernel fills
them, and a few that a VMM has written over.  Change this file with that
format, and run it again.
"""
import os
import struct
import sys

DRAIN, SERVE, PRODUCE, RECORD, FIELD, WRITE, INDEX, DURING, BACKEND = range(9)
EXACT, FIXED, ADAPTIVE, AUTO = range(4)
# record fields, as OP_FIELD numbers them
COOKIE, IOVA, DMA_IOVA, DMA_SIZE, TIMESTAMP, PERM, FLAGS, DEV_ID, PASID, RESERVED = range(10)
PRODUCER, CONSUMER, OVERFLOW = range(3)
ABSOLUTE, FROM_TAIL, FROM_CONSUMER = range(3)
# the fuzz backend's errno table for failed resolve calls
EINTR, EAGAIN, ENOMEM, EIO, EBADF, EINVAL = range(6)
# produce(): access patterns and DMA ranges
SEQUENTIAL, RANDOM, STRIDED, SAME_PAGE = range(4)
HUGE_DEV_IDS, RANGE_PER_FAULT = 4, 8
RANGE_ZERO, RANGE_RAM, RANGE_SMALL, RANGE_TOP = (r << 4 for r in range(4))


def setup(policy=AUTO, budget=0, no_map_ahead=False, map_ahead=False, entries=256,
          batch=64, start=0):
    config = policy | (4 if budget else 0) | (8 if no_map_ahead else 0) | (16 if map_ahead else 0)
    order = (entries // 64).bit_length() - 1
    return struct.pack('<BBHBI', config, order, batch - 1, max(budget - 1, 0), start)


def produce(n, devices=1, pattern=SEQUENTIAL | RANGE_RAM, seed=1):
    return struct.pack('<BHBBI', PRODUCE, n, devices - 1, pattern, seed)


def record(back, cookie=0, iova=0, dma_iova=0, dma_size=0, dev_id=0):
    rec = struct.pack('<QQQQQIIIIQ', cookie, iova, dma_iova, dma_size, 0, 3, 0, dev_id, 0, 0)
    return struct.pack('<BH', RECORD, back) + rec


def field(back, which, value):
    return struct.pack('<BHBQ', FIELD, back, which, value & (2**64 - 1))


def write(offset, data):
    return struct.pack('<BIB', WRITE, offset, len(data)) + data


def index(which, base, value):
    return struct.pack('<BBBI', INDEX, which, base, value & (2**32 - 1))


def during(n):
    return struct.pack('<BB', DURING, n)


def backend(fails=0, errno=EINTR, done=0, results=0, displaced=False, info_fails=False,
            release_fails=False):
    flags = (1 if displaced else 0) | (2 if info_fails else 0) | (4 if release_fails else 0)
    return struct.pack('<BBBHBB', BACKEND, fails, errno, done, results, flags)


def op(code):
    return bytes([code])


SEEDS = {
    'empty': b'',
    # kernel-made rings
    'produce-drain': setup() + produce(10) + op(DRAIN),
    'exact-policy': setup(policy=EXACT) + produce(20, pattern=RANDOM | RANGE_RAM) + op(DRAIN),
    'fixed-policy-top-of-iova': setup(policy=FIXED) + produce(8, pattern=RANDOM | RANGE_TOP) + op(DRAIN),
    'adaptive-streams': setup(policy=ADAPTIVE) + produce(32, devices=2) + op(DRAIN) +
        produce(32, devices=2, seed=2) + op(DRAIN) + produce(32, devices=2, seed=3) + op(DRAIN),
    'map-ahead-serve': setup(map_ahead=True) + produce(1, pattern=SEQUENTIAL | RANGE_RAM) +
        op(SERVE) * 6,
    'budget-lru': setup(policy=FIXED, budget=32) + produce(64, pattern=RANDOM | RANGE_RAM) +
        op(DRAIN) + produce(64, pattern=RANDOM | RANGE_RAM, seed=7) + op(DRAIN),
    'budget-release-fails': setup(budget=4) + backend(release_fails=True) +
        produce(40, pattern=STRIDED | RANGE_RAM) + op(DRAIN),
    'quota-two-drains': setup(entries=4096, batch=1024) + produce(1500) + produce(600, seed=5) +
        op(DRAIN) + op(DRAIN),
    'index-wrap': setup(start=0xfffffff0) + produce(60) + op(DRAIN) + produce(60, seed=9) + op(DRAIN),
    'many-devices': setup(batch=128) + produce(200, devices=8, pattern=RANDOM | RANGE_PER_FAULT) +
        op(DRAIN),
    'huge-device-ids': setup() + produce(50, pattern=SEQUENTIAL | HUGE_DEV_IDS | RANGE_RAM) + op(DRAIN),
    'small-range': setup() + produce(12, pattern=SEQUENTIAL | RANGE_SMALL) + op(DRAIN),
    # backends that fail or stop short
    'resolve-short-and-retried': setup(batch=16) + backend(fails=1, errno=EAGAIN, done=5, results=0x5a) +
        produce(40) + op(DRAIN),
    'resolve-fatal': setup() + backend(fails=1, errno=EIO) + produce(3) + op(DRAIN) + op(DRAIN),
    'displaced': setup() + backend(displaced=True) + op(SERVE),
    'info-fails': setup(map_ahead=True) + backend(info_fails=True) + produce(2) + op(SERVE) * 2,
    # rings a VMM wrote over
    'producer-far-ahead': setup() + produce(5) + index(PRODUCER, FROM_CONSUMER, 100000) + op(DRAIN),
    'producer-behind': setup() + produce(10) + op(DRAIN) + index(PRODUCER, FROM_TAIL, -5) + op(DRAIN),
    'consumer-rewound': setup() + produce(10) + index(CONSUMER, ABSOLUTE, 0x80000000) +
        produce(10, seed=3) + op(DRAIN),
    'overflow-counter': setup(entries=64) + produce(70) + index(OVERFLOW, ABSOLUTE, 12345) + op(DRAIN),
    'cookie-zero': setup() + produce(4) + field(1, COOKIE, 0) + op(DRAIN),
    'range-wraps': setup() + produce(3) + field(0, DMA_IOVA, 2**64 - 0x2000) +
        field(0, DMA_SIZE, 0x10000) + field(0, IOVA, 2**64 - 0x1000) + op(DRAIN),
    'range-empty': setup() + produce(2) + field(0, DMA_SIZE, 0) + op(DRAIN),
    'fault-outside-range': setup() + produce(2) + field(1, IOVA, 0x1234567) + op(DRAIN),
    'record-garbage': setup() + produce(1) +
        record(0, cookie=0xdeadbeef, iova=2**64 - 1, dma_iova=0x1001, dma_size=2**63, dev_id=2**32 - 1) +
        op(DRAIN),
    'header-scribbled': setup() + produce(8) + write(0, b'\xff' * 255) + op(DRAIN),
    'records-scribbled': setup() + produce(8) + write(256, bytes(range(255))) + op(DRAIN),
    'moves-during-drain': setup(batch=16) + produce(128) + during(3) + field(100, COOKIE, 77) +
        index(PRODUCER, FROM_TAIL, 5000) + record(20, cookie=9, iova=0x40000000) + op(DRAIN),
    'produce-during-drain': setup(batch=8) + produce(16) + during(2) + produce(8, seed=4) +
        produce(8, seed=5) + op(DRAIN) + op(DRAIN),
}


def main():
    if len(sys.argv) != 2:
        sys.exit(f'usage: {sys.argv[0]} DIRECTORY')
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(sys.argv[1], name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
