--[[
M/M/c validation: one counter with c servers, Poisson arrivals, exponential
service.  The engine's queueing results must agree with the textbook.

  arrival rate      lambda = 9 per second
  service time      exponential, mean 1/mu = 1 s
  servers           c = 10          -> offered load a = lambda/mu = 9 erlangs,
                                       utilisation rho = a/c = 0.9

Expected (Erlang C):

  P(wait) = C(c, a) = [a^c / c! / (1 - rho)]
                      / [ sum_{k=0}^{c-1} a^k / k!  +  a^c / c! / (1 - rho) ]
                    = 0.6687
  Wq      = C(c, a) / (c mu - lambda) = 0.6687 s   (mean wait in queue)
  W       = Wq + 1/mu                 = 1.6687 s   (mean time in system)
  Lq      = lambda Wq                 = 6.02        (mean queue length)

With 220 000 customers per replication (the first 20 000 discarded as
warm-up) and 20 replications, the 95% confidence interval of Wq is a few
hundredths of a second wide and must contain 0.6687.

Run:     borderlab run scenarios/validation/mmc.lua
Smaller: borderlab run scenarios/validation/mmc.lua --set replications=4 --set customers=50000
Other c: --set servers=12 (then recompute Erlang C: the figures above hold for the defaults only)
]]
local P = bl.parameters {
    rate = 9,             -- arrivals per second
    service_mean = 1,     -- seconds
    servers = 10,
    customers = 220000,   -- arrivals per replication
    warmup = 20000,       -- first customers left out of the statistics
    replications = 20,
    entity_table = false, -- per-customer table in the results (large)
}

return bl.checkpoint {
    name = "mmc",
    seed = 2026,
    replications = P.replications,
    max_entities = P.customers,
    warmup = { entities = P.warmup },
    entity_table = P.entity_table,
    arrivals = bl.poisson { rate = bl.per_second(P.rate) },
    stations = {
        bl.station { "counter", servers = P.servers,
            service = bl.exponential { mean = bl.seconds(P.service_mean) } },
    },
}
