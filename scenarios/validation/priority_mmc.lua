--[[
Priority M/M/c validation: one counter with c servers and two classes of
Poisson arrivals served by non-preemptive priority (the "high" class goes
first in the queue; nobody is interrupted once in service).  Both classes
have the same exponential service time.

  servers           c = 3, service exponential with mean 1/mu = 1 s
  arrivals          high: lambda_H = 0.72 per second   (priority 1)
                    low:  lambda_L = 1.68 per second   (priority 0)
                    -> offered load a = 2.4 erlangs, rho = a/c = 0.8,
                       30% of it high priority

Expected (Cobham 1954; Gross & Harris, Fundamentals of Queueing Theory,
section 3.4.1, non-preemptive priorities, M/M/c with equal service rates):

  C(c, a)   = 0.64719  (Erlang C: probability of waiting)
  W0        = C(c, a) / (c mu)                      = 0.21573 s
  sigma_H   = lambda_H / (c mu)                     = 0.24
  sigma_HL  = (lambda_H + lambda_L) / (c mu)        = 0.8
  Wq,high   = W0 / (1 - sigma_H)                    = 0.28386 s
  Wq,low    = W0 / ((1 - sigma_H) (1 - sigma_HL))   = 1.41928 s
  W,high    = Wq,high + 1/mu                        = 1.28386 s  (classes: sojourn_mean)
  W,low     = Wq,low + 1/mu                         = 2.41928 s
  pooled Wq = (0.72 Wq,high + 1.68 Wq,low) / 2.4    = 1.07865 s  (stations: wait_mean)
            = C(c, a) / (c mu - lambda), the FIFO M/M/3 wait: priorities
              move waiting between classes without changing its total
              (the conservation law).

With 220 000 customers per replication (the first 20 000 discarded as
warm-up) and 20 replications, the 95% intervals of the class sojourn means
and of the counter's wait must contain the figures above.
tests/unit/test_queueing.c checks the same model in C.

Run:     borderlab run scenarios/validation/priority_mmc.lua
Smaller: borderlab run scenarios/validation/priority_mmc.lua --set replications=4 --set customers=50000
(other rates or servers: recompute the figures, they hold for the defaults only)
]]
local P = bl.parameters {
    rate_high = 0.72,     -- arrivals per second, priority 1
    rate_low = 1.68,      -- arrivals per second, priority 0
    service_mean = 1,     -- seconds, both classes
    servers = 3,
    customers = 220000,   -- arrivals per replication (both classes)
    warmup = 20000,       -- first customers left out of the statistics
    replications = 20,
}

return bl.checkpoint {
    name = "priority_mmc",
    seed = 2026,
    replications = P.replications,
    max_entities = P.customers,
    warmup = { entities = P.warmup },
    classes = {
        bl.class { "high", arrivals = bl.poisson { rate = bl.per_second(P.rate_high) },
            priority = 1 },
        bl.class { "low", arrivals = bl.poisson { rate = bl.per_second(P.rate_low) },
            priority = 0 },
    },
    stations = {
        bl.station { "counter", servers = P.servers,
            service = bl.exponential { mean = bl.seconds(P.service_mean) } },
    },
}
