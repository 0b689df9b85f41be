--[[
Air cargo day: a customs team at a cargo airport that targets consignments
from their advance declarations (pre-loading / pre-arrival data) and X-rays
a fixed number of them each hour.

An entity is a consignment.  It "arrives" when its declaration is filed,
hours before the goods land, so the risk model scores it first:
  general   general-cargo air waybills: 30-120 declarations an hour, most
            in the afternoon and evening (long-haul departures);
  express   express parcels: 80-400 an hour, peaking in the night hub
            sort; express goes first wherever it queues (priority 1).
About 1 in 50 general-cargo consignments and 1 in 100 express parcels
hides contraband: cigarettes, drugs, phones (counterfeit electronics, seen
as metal), cash (currency) and firearm parts; packed among the declared
goods (the X-ray sees it, a search finds it) or built into machinery (seen,
but a search finds it only half the time).

  risk            logistic risk model on the declaration (shipper history,
                  declared value, route risk, weight): the top k an hour,
                  k = budget (15), are selected for X-ray: a consignment is
                  selected while fewer than k have been this clock hour and
                  its score reaches the k-th highest of the previous hour
                  (the first hour: score >= threshold).  The budget is never
                  exceeded.
  flight          the lead time between the declaration and the goods at
  flight_flagged  the terminal (lognormal, mean 6 h, sd 3 h): stations with
                  more servers than consignments in the air, so nobody
                  queues; the selected ones wait in flight_flagged
  handover        not selected: the ground handler's release to the
                  consignee (handlers, ~2 min each)
  xray            X-ray lanes (2): ~8 min for a general-cargo consignment
                  (break-down and scan), ~2 min for a parcel; alarm ->
                  officer_review.  The checkpoint's synthetic scan is a bag
                  (64 x 64 pixels, dual_energy detector): container and
                  pallet subjects are not simulated in the loop, so the
                  detector's accuracy here is its accuracy on bags; a
                  surrogate built from a detector_bench run on
                  subject = "container" would model pallets
                  (bl.surrogate, README "Checkpoint planning").
  officer_review  an image analyst (~3 min): confirms 90% of true alarms and
                  25% of false ones -> search
  search          2 officers unpack the consignment, ~30 min, find what is
                  there 85% of the time (x the concealment's factor);
                  seizures go to the in-memory seizure store

Magnitudes to expect with the defaults (per replication = one day; seed 7,
10 replications, measured; about a second in all):
  - ~6 900 declarations a day (1 750 general cargo, 5 100 express), ~89
    of them hiding contraband;
  - risk selects ~310 a day (4.5%; the budget allows 360), never more than
    15 in a clock hour; xray ~33% busy, mean wait ~40 s;
  - ~61 alarms a day, ~25 of them false; the analyst confirms ~40 and
    overrides ~22; search ~28% busy, mean wait ~2 min;
  - seizures 23 +- 4 a day (a quarter of the carriers; most that get
    through were never selected: --set budget=30 or a better model);
  - end to end ~6 h, the flight lead time: the handover (~45% busy) and the
    inspections add minutes.
The flight stations are not staff: their servers count in the officer-hours
of the summary (~264 000 a day), so read officer-hours per station in
/checkpoint/stations (xray 48, search 48, officer_review 24, handover 336).

Run:      borderlab run scenarios/air_cargo_day.lua
          borderlab run scenarios/air_cargo_day.lua --sweep risk.budget_per_hour=5,15,30
Knobs:    --set budget=30 --set xray_lanes=3 --set searchers=3
          --set replications=20 --set entity_table=true (see bl.parameters below)
]]
local P = bl.parameters {
    budget = 15,           -- consignments X-rayed per hour at most
    threshold = 0.3,       -- risk score for selection in the first hour
    xray_lanes = 2,
    analysts = 1,          -- officers reviewing X-ray alarms
    searchers = 2,
    handlers = 14,         -- ground handlers releasing consignments
    alarm_threshold = 0.5, -- detector confidence that raises an alarm
    replications = 10,
    entity_table = false,
}

local function hourly(per_hour)
    local profile = {}
    for i, r in ipairs(per_hour) do
        profile[i] = bl.per_hour(r)
    end
    return bl.poisson { profile = profile, step = bl.hours(1), periodic = false }
end

--                     00   01   02   03   04   05   06   07   08   09   10   11
local general_rate = { 30, 30, 30, 30, 40, 50, 60, 70, 80, 80, 90, 90,
--                     12   13   14   15   16   17   18   19   20   21   22   23
                       100, 100, 110, 120, 120, 120, 110, 100, 80, 60, 40, 30 }
local express_rate = { 400, 380, 350, 300, 250, 200, 150, 120, 100, 90, 80, 80,
                       90, 100, 110, 120, 140, 170, 200, 250, 300, 350, 380, 400 }

local function cargo(carriers, mix)
    local where = {
        { "in_goods", share = 0.7, find = 1.0, in_scan = true },
        { "machinery", share = 0.3, find = 0.5, in_scan = true },
    }
    local contraband = {}
    for i, c in ipairs(mix) do
        contraband[i] = { c[1], share = c[2], value = c[3], quantity = c[4], unit = c[5],
            looks_like = c.looks_like, concealment = where }
    end
    return bl.population {
        carriers = carriers,
        contraband = contraband,
        attributes = {
            -- consignments the shipper sent in the last year
            { "shipper_history", clean = bl.exponential { mean = 40 },
                carrier = bl.exponential { mean = 6 } },
            -- contraband hides under undervalued goods
            { "declared_value", clean = bl.lognormal { mean = 2000, sd = 3000 },
                carrier = bl.lognormal { mean = 700, sd = 600 } },
            -- risk of the origin and routing, 0..1
            { "route_risk", clean = bl.uniform { low = 0, high = 0.6 },
                carrier = bl.uniform { low = 0.2, high = 1 } },
            { "weight_kg", clean = bl.lognormal { mean = 150, sd = 300 },
                carrier = bl.lognormal { mean = 80, sd = 100 } },
        },
    }
end

local lead_time = bl.lognormal { mean = bl.hours(6), sd = bl.hours(3) }

return bl.checkpoint {
    name = "air_cargo_day",
    seed = 7,
    replications = P.replications,
    duration = bl.hours(24),
    entity_table = P.entity_table,
    series_step = bl.minutes(5),
    classes = {
        bl.class { "general", arrivals = hourly(general_rate), first = "risk",
            population = cargo(0.02, {
                { "cigarettes", 0.35, 9000, 200, "carton" },
                { "drugs", 0.20, 60000, 20, "kg" },
                { "phones", 0.25, 40000, 200, "item", looks_like = "metal" },
                { "cash", 0.10, 100000, 100000, "EUR", looks_like = "currency" },
                { "firearm", 0.10, 15000, 10, "item" },
            }) },
        bl.class { "express", arrivals = hourly(express_rate), first = "risk", priority = 1,
            population = cargo(0.01, {
                { "cigarettes", 0.10, 450, 10, "carton" },
                { "drugs", 0.45, 6000, 1, "kg" },
                { "phones", 0.25, 2000, 5, "item", looks_like = "metal" },
                { "cash", 0.10, 10000, 10000, "EUR", looks_like = "currency" },
                { "firearm", 0.10, 1500, 1, "item" },
            }) },
    },
    stations = {
        bl.risk_check { "risk", servers = 1, threshold = P.threshold, budget_per_hour = P.budget,
            selected = "flight_flagged", otherwise = "flight" },
        bl.station { "flight", servers = 10000, service = lead_time, next = "handover" },
        bl.station { "flight_flagged", servers = 1000, service = lead_time, next = "xray" },
        bl.station { "handover", servers = P.handlers,
            service = bl.lognormal { mean = bl.minutes(2), sd = bl.minutes(1) }, next = "exit" },
        bl.scan { "xray", servers = P.xray_lanes, threshold = P.alarm_threshold,
            service = { default = bl.gamma { shape = 6, scale = bl.minutes(8) / 6 },
                express = bl.gamma { shape = 6, scale = bl.minutes(2) / 6 } },
            alarm = "officer_review", clear = "exit" },
        bl.review { "officer_review", servers = P.analysts,
            service = bl.lognormal { mean = bl.minutes(3), sd = bl.minutes(1) },
            confirm_carrier = 0.9, confirm_clean = 0.25, confirmed = "search", overridden = "exit" },
        bl.search { "search", servers = P.searchers, find_probability = 0.85,
            service = bl.lognormal { mean = bl.minutes(30), sd = bl.minutes(10) },
            found = "exit", not_found = "exit" },
    },
    plugins = {
        -- score = 1 / (1 + exp(-(intercept + sum w * (x - mean) / scale)))
        risk = bl.plugin { "logistic", intercept = -3,
            weights = { shipper_history = -0.8, declared_value = -0.4, route_risk = 1.2 },
            mean = { shipper_history = 40, declared_value = 2000, route_risk = 0.3 },
            scale = { shipper_history = 40, declared_value = 2000, route_risk = 0.2 } },
        detector = bl.plugin { "dual_energy" },
        store = bl.plugin { "memory" },
    },
    scan = { width = 64, height = 64 },
}
