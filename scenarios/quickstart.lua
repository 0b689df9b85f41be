--[[
Quickstart: a small land-border control point during one 8-hour shift.

Travellers arrive on foot and by car (Poisson, 120 to 300 an hour following
the hourly profile below: about 1 700 per shift).  About 4% carry
contraband (cigarettes, drugs, currency, now and then a firearm); carriers
travel more often, declare more and make shorter trips than everyone else.

  document_check  5 officers check papers           lognormal, mean 45 s
  risk            logistic risk model scores the traveller (no delay):
                  score >= threshold -> xray, else leave
  xray            2 lanes, dual-energy auto-detection, ~60 s per bag:
                  alarm -> search, clear -> leave
  search          2 officers, manual search, ~8 min, finds what is there
                  90% of the time; seizures go to the in-memory seizure store

Magnitudes to expect with the defaults (per replication, i.e. per shift):
  - about 1 650 travellers; document_check ~55% busy, mean wait a few
    seconds, 90% wait less than ~20 s, worst queues of about 8 at the peak;
  - risk selects about 11% of travellers (~180 a shift) and about 3 in 4
    of the ~65 carriers;
  - xray lanes ~20% busy, waits of seconds;
  - the reference detector alarms on ~40 bags a shift: every scanned
    firearm carrier, about 2 in 3 carriers of drugs or cigarettes, 2 in 5
    of currency, and about 1 clean bag in 13 (keys and buckles, dense piles
    of clothes and books); the 2 searchers are ~35% busy, mean wait about a
    minute, 90% under ~4 min; --set searchers=1 shows the queue a better
    detector (fewer false alarms, --plugin detector=...) would spare;
  - seizures ~28 a shift, ~38 carriers missed (not selected, not
    alarmed -- cigarettes, drugs and currency -- or not found).
The first 30 minutes are warm-up (the queues start empty).  The four
replications run in well under a second.

Run:      borderlab run scenarios/quickstart.lua
Knobs:    --set officers=4 --set xray_lanes=1 --set threshold=0.25
          --set replications=10 --set carriers=0.08 (see bl.parameters below)
]]
local P = bl.parameters {
    officers = 5,          -- document_check officers on duty
    xray_lanes = 2,
    searchers = 2,         -- officers doing manual searches
    threshold = 0.18,      -- risk score that sends a traveller to xray
    alarm_threshold = 0.5, -- detector confidence that raises an alarm
    carriers = 0.04,       -- share of travellers carrying contraband
    replications = 4,
    entity_table = true,
}

local ids = bl.population {
    carriers = P.carriers,
    contraband = {
        { "cigarettes", share = 0.55, value = 450, quantity = 10, unit = "carton" },
        { "drugs", share = 0.25, value = 3000, quantity = 0.5, unit = "kg" },
        { "currency", share = 0.15, value = 15000, quantity = 15000, unit = "EUR" },
        { "firearm", share = 0.05, value = 1500, quantity = 1, unit = "item" },
    },
    attributes = {
        { "trips_last_month", clean = bl.exponential { mean = 1.5 },
            carrier = bl.exponential { mean = 5 } },
        { "declared_value", clean = bl.lognormal { mean = 250, sd = 200 },
            carrier = bl.lognormal { mean = 700, sd = 500 } },
        { "travel_hours", clean = bl.gamma { shape = 4, scale = 1.5 },
            carrier = bl.gamma { shape = 2, scale = 1.5 } },
    },
}

return bl.checkpoint {
    name = "quickstart",
    seed = 42,
    replications = P.replications,
    duration = bl.hours(8),
    warmup = { time = bl.minutes(30) },
    entity_table = P.entity_table,
    arrivals = bl.poisson {
        profile = { bl.per_hour(120), bl.per_hour(180), bl.per_hour(240), bl.per_hour(300),
                    bl.per_hour(300), bl.per_hour(240), bl.per_hour(180), bl.per_hour(150) },
        step = bl.hours(1),
        periodic = false,
    },
    population = ids,
    stations = {
        bl.station { "document_check", servers = P.officers,
            service = bl.lognormal { mean = bl.seconds(45), sd = bl.seconds(20) } },
        bl.risk_check { "risk", servers = 1, threshold = P.threshold,
            selected = "xray", otherwise = "exit" },
        bl.scan { "xray", servers = P.xray_lanes, threshold = P.alarm_threshold,
            service = bl.gamma { shape = 9, scale = bl.seconds(60) / 9 },
            alarm = "search", clear = "exit" },
        bl.search { "search", servers = P.searchers, find_probability = 0.9,
            service = bl.lognormal { mean = bl.minutes(8), sd = bl.minutes(3) },
            found = "exit", not_found = "exit" },
    },
    plugins = {
        -- score = 1 / (1 + exp(-(intercept + sum w * (x - mean) / scale)))
        risk = bl.plugin { "logistic", intercept = -3,
            weights = { trips_last_month = 0.8, declared_value = 0.6, travel_hours = -0.5 },
            mean = { trips_last_month = 1.5, declared_value = 250, travel_hours = 6 },
            scale = { trips_last_month = 1.5, declared_value = 200, travel_hours = 3 } },
        detector = bl.plugin { "dual_energy" },
        store = bl.plugin { "memory" },
    },
}
