"""The borderlab M/M/c benchmark model written in SimPy, for the ratio that
`make bench` prints.  Same model: Poisson arrivals at rate 9/s, exponential
service with mean 1 s, 10 servers, FIFO; prints customers, mean wait and
wall seconds as one line of JSON.

usage: python3 mmc_simpy.py CUSTOMERS SEED
"""
import json
import random
import sys
import time

import simpy


def main():
    customers, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=10)
    waits = []

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1.0))

    def source(env):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(9.0))
            env.process(customer(env))

    start = time.perf_counter()
    env.process(source(env))
    env.run()
    wall = time.perf_counter() - start
    print(json.dumps({"customers": len(waits), "mean_wait": sum(waits) / len(waits),
                      "wall_seconds": wall}))


if __name__ == "__main__":
    main()
