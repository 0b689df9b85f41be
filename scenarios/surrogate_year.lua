--[[
Surrogate year: a very large land crossing (100 million travellers a year,
about 3.2 a second on average, twice that at the peaks) simulated for a
whole year's worth of travellers in seconds, with the X-ray detector
replaced by a *surrogate*: what the detector measured in a detector_bench
run (its score distribution per threat class and its latency) resampled
for each scan instead of generating and analysing an image.

Make the surrogate first (a small bench of the reference detectors on
64 x 64 bags is enough to try; use your own detector's bench for real work):
  borderlab run scenarios/xray_bench.lua --set scans=2000 --set size=64 -o results/xray_bench.h5
then:
  borderlab run scenarios/surrogate_year.lua --threads 2

  foot / egate    the year's travellers in 10 replications of 10 million
                  (each about five weeks of the same weekly profile: busy
                  mornings and evenings, Fridays and Sundays); 60% use the
                  e-gates
  egate           e-gates (150), ~25 s
  document_check  booths (220 officers), ~60 s
  risk            logistic risk model (cheap): ~3.7% are selected
  xray            20 lanes, ~60 s plus the detector's measured latency;
                  alarm = a resampled measured score >= alarm_threshold
  search          manual search, ~8 min; seizures go to the in-memory
                  seizure store (one per replication)

The per-entity table is off and the queue series is hourly, so memory stays
flat however many travellers run.  `make bench` runs this scenario and
prints travellers/s and peak RSS (tests/bench/bench_checkpoint.c).

Magnitudes to expect with the defaults (10 replications on 2 threads,
measured with the bench's 1 000-bag surrogate of dual_energy):
  - each replication ~37 days, ~11 100 travellers an hour on average;
  - egate and document_check ~30-35% busy, waits of a fraction of a
    second (queues of ~20 at the Friday-evening peaks);
  - risk selects ~3.7% (~370 000 a replication); xray ~34% busy;
  - ~70 000 alarms a replication, ~22 000 of them false; search ~43% busy,
    mean wait ~18 s;
  - seizures ~43 000 +- 200 a replication (31% of ~140 000 carriers);
  - end to end 45 s mean, p99 ~3 min;
  - ~40 CPU seconds for the 100 million travellers (about 2.5 million a
    CPU second: ~20 s on 2 idle cores), peak RSS ~120 MB.

Knobs:    --set travellers=1000000 --set replications=2
          --set surrogate=path/to/detector_bench.h5 --set detector=borderlab.density
]]
local P = bl.parameters {
    travellers = 100000000, -- in all replications together
    replications = 10,
    surrogate = "../results/xray_bench.h5", -- a detector_bench results file
    detector = "",          -- the detector group in that file ("": the first)
    egates = 150,
    officers = 220,
    xray_lanes = 20,
    searchers = 24,
    threshold = 0.35,       -- risk score that sends a traveller to xray
    alarm_threshold = 0.5,
}

-- Travellers a second by hour of day (mean ~3.2 over the week).
local day = {}
local shape = { 0.25, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 1.8, 1.4, 1.1, 1.0,
                1.0, 1.0, 1.1, 1.2, 1.5, 1.8, 1.9, 1.6, 1.2, 0.9, 0.6, 0.4 }
local function weekly(share)
    for h = 1, 24 do
        day[h] = 3.2 * shape[h] * share
    end
    return bl.weekly { day = day, week = { 0.9, 0.85, 0.9, 1.0, 1.25, 1.0, 1.1 } }
end

local function people(carriers)
    return bl.population {
        carriers = carriers,
        contraband = {
            { "cigarettes", share = 0.45, value = 450, quantity = 10, unit = "carton" },
            { "drugs", share = 0.2, value = 3000, quantity = 0.5, unit = "kg" },
            { "phones", share = 0.15, value = 2400, quantity = 6, unit = "item",
                looks_like = "metal" },
            { "cash", share = 0.15, value = 15000, quantity = 15000, unit = "EUR",
                looks_like = "currency" },
            { "firearm", share = 0.05, value = 1500, quantity = 1, unit = "item" },
        },
        attributes = {
            { "trips_last_month", clean = bl.exponential { mean = 1.5 },
                carrier = bl.exponential { mean = 5 } },
            { "declared_value", clean = bl.lognormal { mean = 250, sd = 200 },
                carrier = bl.lognormal { mean = 700, sd = 500 } },
        },
    }
end

return bl.checkpoint {
    name = "surrogate_year",
    seed = 2027,
    replications = P.replications,
    max_entities = math.floor(P.travellers / P.replications),
    entity_table = false,
    series_step = bl.hours(1),
    classes = {
        bl.class { "foot", arrivals = weekly(0.4), population = people(0.02),
            first = "document_check" },
        bl.class { "egate", arrivals = weekly(0.6), population = people(0.01), first = "egate" },
    },
    stations = {
        bl.station { "egate", servers = P.egates,
            service = bl.lognormal { mean = bl.seconds(25), sd = bl.seconds(10) }, next = "risk" },
        bl.station { "document_check", servers = P.officers,
            service = bl.lognormal { mean = bl.seconds(60), sd = bl.seconds(30) }, next = "risk" },
        bl.risk_check { "risk", servers = 1, threshold = P.threshold,
            selected = "xray", otherwise = "exit" },
        bl.scan { "xray", servers = P.xray_lanes, threshold = P.alarm_threshold,
            service = bl.gamma { shape = 9, scale = bl.seconds(60) / 9 },
            alarm = "search", clear = "exit" },
        bl.search { "search", servers = P.searchers, find_probability = 0.9,
            service = bl.lognormal { mean = bl.minutes(8), sd = bl.minutes(3) },
            found = "exit", not_found = "exit" },
    },
    surrogate = bl.surrogate { results = P.surrogate,
        detector = P.detector ~= "" and P.detector or nil, latency = true },
    plugins = {
        risk = bl.plugin { "logistic", intercept = -3,
            weights = { trips_last_month = 0.8, declared_value = 0.6 },
            mean = { trips_last_month = 1.5, declared_value = 250 },
            scale = { trips_last_month = 1.5, declared_value = 200 } },
        store = bl.plugin { "memory" },
    },
}
