--[[
Non-homogeneous Poisson arrivals validation: one day of arrivals with an
hourly rate profile (a night trough and two peaks), not repeated, through a
gate with no service time, so that every traveller leaves at the instant
they arrive and the hourly departures are the hourly arrivals.

  hour     0   1   2   3   4   5   6   7   8   9  10  11
  per h   60  60  60  60  80 120 200 300 400 380 340 300
  hour    12  13  14  15  16  17  18  19  20  21  22  23
  per h  260 260 300 350 400 380 320 240 180 120  90  70

Expected: the count in hour h is Poisson with mean rate_h x 1 h (the
figures above; variance equal to the mean), independent across hours; the
day's total is Poisson with mean 5330.

Check in the results: the hourly table's "(system)" rows, served_per_hour
with its 95% interval over the replications, against the profile (with 24
intervals at 95%, about one may miss by chance; all should hold at the
Bonferroni level 1 - 0.05/24).  tests/unit/test_queueing.c checks the same
model in C, with a chi-square goodness of fit of the pooled hourly counts
(23 df, 1% critical value 41.638).

Run:     borderlab run scenarios/validation/nhpp.lua
More:    borderlab run scenarios/validation/nhpp.lua --set replications=400
]]
local P = bl.parameters {
    replications = 100,
}

local per_hour = { 60, 60, 60, 60, 80, 120, 200, 300, 400, 380, 340, 300,
                   260, 260, 300, 350, 400, 380, 320, 240, 180, 120, 90, 70 }
local profile = {}
for i, r in ipairs(per_hour) do
    profile[i] = bl.per_hour(r)
end

return bl.checkpoint {
    name = "nhpp",
    seed = 2026,
    replications = P.replications,
    duration = bl.hours(24),
    arrivals = bl.poisson { profile = profile, step = bl.hours(1), periodic = false },
    stations = {
        bl.station { "gate", servers = 8, service = bl.deterministic(0) },
    },
}
