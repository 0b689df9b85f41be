--[[
Land crossing at the peak: a busy road-and-foot border control point over
one working day, 06:00 to 22:00 (t = 0 is 06:00; arrivals stop at 22:00
and the queues drain).

Who arrives (non-homogeneous Poisson, hourly profiles with a morning peak
07:00-09:00 and an evening peak 17:00-19:00):
  foot       travellers who must see an officer: 120-380 an hour;
  egate      holders of biometric passports, who try the e-gates first:
             200-850 an hour; served first (priority 1) when they fall back
             to a booth after waiting too long at the gates;
  car        private cars with 1-5 occupants (mean ~2): 50-180 an hour;
  coach      a coach of 50 passengers about every 2 hours, all at once,
             who queue at the booths.
About 1 in 40 travellers on foot, 1 in 70 e-gate users, 1 in 17 cars and 1
in 50 coach passengers carries contraband: cigarettes, drugs, phones
(counterfeit or undeclared: a scanner sees them as metal), cash (as
currency) and now and then a firearm; in the luggage (the X-ray sees it, a
search finds it), on the body (invisible to the X-ray, a search finds it
half the time) or, in cars, in a vehicle cavity.

  egate           e-gates: lognormal ~25 s; a traveller still queued
                  after ~10 min (exponential patience) gives up and goes
                  to the booths
  document_check  officers' booths, by shift: 8 at the peaks, 6 in the
                  day, 4 in the evening; lognormal ~60 s
  car_lane        car lanes (6): all occupants checked, lognormal ~90 s
  risk            logistic risk model on the traveller's attributes
                  (trips last month, declared value, travel hours):
                  score >= threshold -> xray, else leave
  xray            X-ray lanes (xray_lanes, 4): the dual-energy detector on
                  a 64 x 64 synthetic scan of the bag (or car's luggage);
                  ~60 s a bag, ~3 min a car; alarm -> officer_review
  officer_review  an officer looks at the alarm image (~90 s): confirms 95%
                  of true alarms and 30% of false ones -> search, else leave
  search          manual search, ~8 min, finds what is there 90% of the
                  time (x the concealment's factor); seizures go to the
                  in-memory seizure store

Magnitudes to expect with the defaults (per replication = one day; seed 6,
10 replications, measured):
  - ~14 500 entities a day (8 200 e-gate users, 4 100 on foot, 1 750 cars
    with ~3 700 occupants, ~9 coaches), ~16 500 travellers; ~340 carriers;
  - egate ~45% busy, waits under a second; ~9 a day give up and queue at
    the booths;
  - document_check ~70% busy, mean wait ~1.6 min (98 +- 27 s), 90% under
    ~6.5 min; a coach at a peak makes queues of up to ~100, and its
    passengers spend ~6 min in the crossing;
  - car_lane ~45% busy, waits of seconds;
  - risk selects ~7.8% (~1 140 a day); xray ~45% busy (~70% in the peak
    hours), mean wait ~9 s;
  - ~214 alarms a day, ~75 of them false; the officers confirm ~156
    (95% of the true alarms, 30% of the false ones), override ~58, and the
    confirmed are searched: search ~33% busy, mean wait ~11 s;
  - seizures 111 +- 8 a day (a third of the carriers); ~228 carriers get
    through: not selected, hidden on the body, not found; cash gets through
    most (value through ~740 000 EUR a day);
  - end to end: mean 90 +- 9 s, p90 ~3.6 min, p99 ~13 min; e-gate users
    ~33 s, cars ~2.5 min.
The ten replications take about 3 s on 2 cores.
With 2 X-ray lanes the X-ray is the bottleneck: saturated from 07:00 to
11:00 and from 16:00 to 21:00, a mean X-ray wait of ~19 min (90% under
~1 h, queues of up to ~120) and an end-to-end mean of 180 +- 17 s; with 4
lanes 90 s, with 6 or 8 lanes no better (the booths dominate):
  borderlab run scenarios/land_crossing_peak.lua --sweep xray.servers=2,4,6,8
  borderlab plot results/land_crossing_peak.h5 -d plots

Run:      borderlab run scenarios/land_crossing_peak.lua
Knobs:    --set xray_lanes=2 --set threshold=0.3 --set officers_peak=10
          --set egates=6 --set searchers=3 --set replications=30
          (see bl.parameters below)
]]
local P = bl.parameters {
    egates = 8,            -- e-gates
    officers_peak = 8,     -- booth officers 06:00-10:00 and 16:00-20:00
    officers_day = 6,      -- 10:00-16:00
    officers_evening = 4,  -- from 20:00
    car_lanes = 6,
    xray_lanes = 4,
    reviewers = 2,         -- officers reviewing X-ray alarms
    searchers = 4,         -- officers doing manual searches
    threshold = 0.2,       -- risk score that sends a traveller to xray
    alarm_threshold = 0.5, -- detector confidence that raises an alarm
    patience = 10,         -- minutes (mean) before an e-gate user goes to a booth
    replications = 10,
    warmup = 0,            -- minutes of warm-up to delete (0: the crossing opens empty)
    entity_table = false,
}

-- Hourly rates from 06:00 (16 hours), travellers (or cars, coaches) per hour.
local function hourly(per_hour)
    local profile = {}
    for i, r in ipairs(per_hour) do
        profile[i] = bl.per_hour(r)
    end
    return bl.poisson { profile = profile, step = bl.hours(1), periodic = false }
end

--                  06   07   08   09   10   11   12   13   14   15   16   17   18   19   20   21
local foot_rate = { 160, 320, 380, 300, 220, 200, 210, 220, 230, 240, 280, 350, 380, 300, 200, 120 }
local egate_rate = { 300, 700, 850, 600, 400, 350, 380, 400, 420, 450, 550, 800, 850, 600, 350, 200 }
local car_rate = { 60, 140, 170, 120, 80, 70, 70, 80, 90, 100, 130, 170, 180, 130, 80, 50 }

local function contraband(where)
    return {
        { "cigarettes", share = 0.40, value = 450, quantity = 10, unit = "carton",
            concealment = where },
        { "drugs", share = 0.20, value = 3000, quantity = 0.5, unit = "kg", concealment = where },
        { "phones", share = 0.17, value = 2400, quantity = 6, unit = "item", looks_like = "metal",
            concealment = where },
        { "cash", share = 0.18, value = 15000, quantity = 15000, unit = "EUR",
            looks_like = "currency", concealment = where },
        { "firearm", share = 0.05, value = 1500, quantity = 1, unit = "item",
            concealment = where },
    }
end

local on_foot = {
    { "luggage", share = 0.75, find = 1.0, in_scan = true },
    { "body", share = 0.25, find = 0.5, in_scan = false },
}
local in_car = {
    { "luggage", share = 0.40, find = 1.0, in_scan = true },
    { "vehicle_cavity", share = 0.45, find = 0.7, in_scan = true },
    { "body", share = 0.15, find = 0.5, in_scan = false },
}

-- Carriers travel more often, declare more and make shorter trips.
local function people(carriers, where, trips)
    return bl.population {
        carriers = carriers,
        contraband = contraband(where),
        attributes = {
            { "trips_last_month", clean = bl.exponential { mean = trips },
                carrier = bl.exponential { mean = 5 } },
            { "declared_value", clean = bl.lognormal { mean = 250, sd = 200 },
                carrier = bl.lognormal { mean = 700, sd = 500 } },
            { "travel_hours", clean = bl.gamma { shape = 4, scale = 1.5 },
                carrier = bl.gamma { shape = 2, scale = 1.5 } },
        },
    }
end

local lognormal = function(mean, sd)
    return bl.lognormal { mean = bl.seconds(mean), sd = bl.seconds(sd) }
end

return bl.checkpoint {
    name = "land_crossing_peak",
    seed = 6,
    replications = P.replications,
    duration = bl.hours(16),
    warmup = P.warmup > 0 and { time = bl.minutes(P.warmup) } or nil,
    entity_table = P.entity_table,
    series_step = bl.minutes(1),
    classes = {
        bl.class { "foot", arrivals = hourly(foot_rate), population = people(0.025, on_foot, 1.5),
            first = "document_check" },
        bl.class { "egate", arrivals = hourly(egate_rate), population = people(0.014, on_foot, 1.0),
            first = "egate", priority = 1 },
        bl.class { "car", arrivals = hourly(car_rate), population = people(0.06, in_car, 2.0),
            occupants = bl.empirical { values = { 1, 2, 3, 4, 5 },
                weights = { 0.40, 0.30, 0.15, 0.10, 0.05 } },
            first = "car_lane" },
        bl.class { "coach", arrivals = bl.poisson { rate = bl.per_hour(0.5) }, group = 50,
            population = people(0.02, on_foot, 1.5), first = "document_check" },
    },
    stations = {
        bl.station { "egate", servers = P.egates, service = lognormal(25, 10),
            patience = bl.exponential { mean = bl.minutes(P.patience) },
            reneged = "document_check", next = "risk" },
        bl.station { "document_check",
            servers = bl.shifts {
                { from = bl.hours(0), to = bl.hours(4), servers = P.officers_peak },
                { from = bl.hours(4), to = bl.hours(10), servers = P.officers_day },
                { from = bl.hours(10), to = bl.hours(14), servers = P.officers_peak },
                { from = bl.hours(14), to = bl.hours(24), servers = P.officers_evening },
                period = bl.days(1),
            },
            service = lognormal(60, 30), next = "risk" },
        bl.station { "car_lane", servers = P.car_lanes, service = lognormal(90, 40), next = "risk" },
        bl.risk_check { "risk", servers = 1, threshold = P.threshold,
            selected = "xray", otherwise = "exit" },
        bl.scan { "xray", servers = P.xray_lanes, threshold = P.alarm_threshold,
            service = { default = bl.gamma { shape = 9, scale = bl.seconds(60) / 9 },
                car = bl.gamma { shape = 9, scale = bl.minutes(3) / 9 } },
            alarm = "officer_review", clear = "exit" },
        bl.review { "officer_review", servers = P.reviewers, service = lognormal(90, 45),
            confirm_carrier = 0.95, confirm_clean = 0.3,
            confirmed = "search", overridden = "exit" },
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
    scan = { width = 64, height = 64 },
}
