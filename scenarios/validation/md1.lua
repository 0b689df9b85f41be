--[[
M/D/1 validation: one desk, Poisson arrivals, a constant service time.

  arrival rate      lambda = 0.8 per second
  service time      deterministic, D = 1 s   -> rho = lambda D = 0.8

Expected (Pollaczek-Khinchine mean-value formula, Wq = lambda E[S^2] /
(2 (1 - rho)), with E[S^2] = D^2 for a constant service):

  Wq  = rho D / (2 (1 - rho))  = 2.0 s    (mean wait in queue: half the
                                           M/M/1 wait of 4.0 s)
  W   = Wq + D                 = 3.0 s    (mean time in system)
  Lq  = lambda Wq              = 1.6      (mean queue length)
  L   = lambda W               = 2.4
  utilisation                  = 0.8

With 220 000 customers per replication (the first 20 000 discarded as
warm-up) and 20 replications, the 95% confidence interval of the desk's
mean wait must contain 2.0 s.  tests/unit/test_queueing.c checks the same
model in C.

Run:     borderlab run scenarios/validation/md1.lua
Smaller: borderlab run scenarios/validation/md1.lua --set replications=4 --set customers=50000
Other loads: --set rate=0.5 gives Wq = 0.5 s (rho D / (2 (1 - rho)) with rho = 0.5)
]]
local P = bl.parameters {
    rate = 0.8,           -- arrivals per second
    service = 1,          -- seconds, constant
    customers = 220000,   -- arrivals per replication
    warmup = 20000,       -- first customers left out of the statistics
    replications = 20,
}

return bl.checkpoint {
    name = "md1",
    seed = 2026,
    replications = P.replications,
    max_entities = P.customers,
    warmup = { entities = P.warmup },
    arrivals = bl.poisson { rate = bl.per_second(P.rate) },
    stations = {
        bl.station { "desk", servers = 1, service = bl.deterministic(bl.seconds(P.service)) },
    },
}
