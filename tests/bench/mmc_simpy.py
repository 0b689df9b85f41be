"""The borderlab M/M/c benchmark model written in SimPy, for the ratio that
`make bench` prints.  Same model: Poisson arrivals at rate 9/s, exponential
service with mean 1 s, 10 servers, FIFO; prints customers, mean wait and
wall seconds as one line of JSON.  Works with Debian 12's python3-simpy
(SimPy 2.3.1, module SimPy) and with SimPy 3 or later (module simpy).

usage: python3 mmc_simpy.py CUSTOMERS SEED
"""
import json
import random
import sys
import time


def run_simpy2(customers, rng, waits):
    from SimPy.Simulation import Process, Resource, Simulation, hold, release, request

    class Customer(Process):
        def visit(self, counter):
            arrived = self.sim.now()
            yield request, self, counter
            waits.append(self.sim.now() - arrived)
            yield hold, self, rng.expovariate(1.0)
            yield release, self, counter

    class Source(Process):
        def generate(self, counter):
            for _ in range(customers):
                yield hold, self, rng.expovariate(9.0)
                c = Customer(sim=self.sim)
                self.sim.activate(c, c.visit(counter))

    sim = Simulation()
    sim.initialize()
    counter = Resource(capacity=10, sim=sim)
    source = Source(sim=sim)
    sim.activate(source, source.generate(counter))
    sim.simulate(until=1e15)


def run_simpy3(customers, rng, waits):
    import simpy

    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=10)

    def customer(env):
        arrived = env.now
        with counter.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1.0))

    def source(env):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(9.0))
            env.process(customer(env))

    env.process(source(env))
    env.run()


def main():
    customers, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    waits = []
    try:
        import simpy  # noqa: F401
        runner, version = run_simpy3, "simpy " + getattr(simpy, "__version__", "3+")
    except ImportError:
        import SimPy
        runner, version = run_simpy2, "SimPy " + SimPy.__version__
    start = time.perf_counter()
    runner(customers, rng, waits)
    wall = time.perf_counter() - start
    print(json.dumps({"customers": len(waits), "mean_wait": sum(waits) / len(waits),
                      "wall_seconds": wall, "simpy": version}))


if __name__ == "__main__":
    main()
