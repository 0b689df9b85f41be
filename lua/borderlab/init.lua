--[[
borderlab: the scenario library (the Lua half; the C half is borderlab.core,
core/lua_bl.c).  A scenario sees it as the global `bl` or require "borderlab".
This module holds units, distributions, parameters, arrivals, classes and
runs, populations and plugins; stations.lua the stations and routes,
jobs.lua the jobs and what only they take, check.lua the argument checks
every constructor shares; all their constructors are installed in `bl`
here.

Lua describes, C runs: every constructor here only checks the names of its
fields, normalises the spelling (rate -> mean, all -> clean + carrier...)
and records where it was called; core/scenario_lua.c converts the returned
job into C structures and validates the values, naming that file:line.
Distributions are the exception: they are C objects built (and validated)
at once by core/dist.c.

Units: times in seconds, rates per second.  Use the helpers
(bl.minutes(5), bl.per_hour(120)) rather than bare numbers.

Defaults worth knowing: a station's `next` (and risk_check `otherwise`,
scan `clear`, search `found`/`not_found`, review `confirmed`/`overridden`)
is the following station, "exit" after the last; bl.risk_check takes no
time and has 1 server unless told (threshold= is required unless
budget_per_hour= > 0 is given); bl.scan's threshold is 0.5; bl.review
confirms every carrier (confirm_carrier 1) and no clean entity
(confirm_clean 0) unless told; a contraband entry's share is 1 (shares are
normalised), quantity 1, value 0, unit "item", looks_like its name when
that is a threat class (else looks_like= is required: a threat class or
"none"); a concealment's share is 1 (normalised), find 1, in_scan true; a
plain number where a distribution is expected means
bl.deterministic(number).

bl.checkpoint: replications 1, series_step 60 s; without classes= the
job's arrivals= and population= make one class "traveller"; a bl.class
has group 1 and occupants 1 (per arrival / per entity), no population (no
carriers), first = the first station, priority 0 (higher is served
first), and needs arrivals= unless replay= is given (then it may be
replay-only).  bl.weekly: week defaults to seven 1s; 168 hourly segments,
periodic.  bl.arrivals_csv: columns time "time", class "class", no group
column (1 entity a row), unit "seconds"; path from the scenario's folder.
bl.sequential: min 5, max 100, batch 2, metric= and exactly one of
half_width= / relative= required; the run stops at max at the latest.
Every station: servers = n or bl.shifts{...} (period one day; outside
every shift 0 servers; overlapping shifts are an error); service = dist or
{default = dist, <class> = dist} (classes not listed use default);
patience none (nobody reneges), reneged "exit".  bl.by_class: classes not
listed go to default= (else the following station).  bl.by_attribute:
no= is the following station.  bl.surrogate: detector = the file's first,
latency true; results= from the scenario's folder.

bl.detector_bench: scans 5000, threshold 0.5, batch 16, intervals
"wilson", performance.pool 64; generator= defaults to bl.xray{} (the
generator's own defaults, core/xray.c); a bl.xray prevalence table lists
every class that may appear (the others get 0); each performance mode is
off unless its table is given (offline: scans 512, batch_sizes {1, 16, 64},
threads {1}; single_stream: queries 300; server: queries 300, rate= and
p99_bound= required).

bl.risk_validation: rates {1, 2, 5, 10} (percent), batch 4096, bootstrap
1000, weekly_rate 0 (off), declarations= defaults to bl.declarations{} (the
generator's own defaults, core/declaration_tables.c); bl.declarations
patterns are relative weights (normalised; a pattern not listed gets 0);
bl.csv on_bad_row "fail".  Paths (bl.csv path=, and the model=, rules=,
encoding= configuration of a model plugin) start from the scenario's folder
when relative.

bl.store_soak: store bl.plugin{"memory"}, clients 2, operations 20000
(or duration= seconds), rate 0 (as fast as possible), mix deposit 4, move
2, retrieve 1, dispose 1, get 4, list 1, verify 0 (a verb not listed gets
0), sync_every 100, policy "best_fit" (or "first_fit", "by_class"),
misplace 0.01, inventory_every 5000; layout= is required (bl.storage{rooms
= {...}}; a room's shelves and bins default to 1, classes to all).

math.random draws from the host RNG, stream (seed, 0, 0x200), where seed
is --seed or else 1: the job's own seed= is only known once the script has
returned it.  math.randomseed(n) restarts the stream from n.
]]
local core = require "borderlab.core"
local check = require "borderlab.check"

local type, pairs, ipairs, error, tostring, getmetatable, setmetatable =
    type, pairs, ipairs, error, tostring, getmetatable, setmetatable
local format, concat, sort = string.format, table.concat, table.sort
local math_type = math.type
local suggest, check_fields, check_number, check_list, tagged =
    check.suggest, check.check_fields, check.check_number, check.check_list, check.tagged

local bl = {}

-- ------------------------------------------------------------ time and rates

local function scaler(fname, factor)
    return function(x)
        check_number(fname, "the argument", x, 2)
        return x * factor
    end
end

bl.seconds = scaler("bl.seconds", 1)
bl.minutes = scaler("bl.minutes", 60)
bl.hours = scaler("bl.hours", 3600)
bl.days = scaler("bl.days", 86400)
bl.per_second = scaler("bl.per_second", 1)
bl.per_minute = scaler("bl.per_minute", 1 / 60)
bl.per_hour = scaler("bl.per_hour", 1 / 3600)
bl.per_day = scaler("bl.per_day", 1 / 86400)

-- ------------------------------------------------------------ distributions

-- Build a C distribution; its validation message is dist.c's, placed at
-- the caller of the bl.* constructor (make <- bl.x <- scenario).
local function make(kind, a, b)
    local d, msg = core.dist(kind, a, b)
    if d == nil then
        error(msg, 3)
    end
    return d
end

-- Exactly one of the fields a, b of t: returns its name.
local function one_of(fname, t, a, b, level)
    if t[a] ~= nil and t[b] ~= nil then
        error(format("%s: give %s= or %s=, not both", fname, a, b), level + 1)
    elseif t[a] == nil and t[b] == nil then
        error(format("%s: needs %s= or %s=", fname, a, b), level + 1)
    end
    local k = t[a] ~= nil and a or b
    check_number(fname, k, t[k], level + 1)
    return k
end

local function positive_rate(fname, r, level)
    if not (r > 0) then
        error(format("%s: rate must be > 0 (got %s)", fname, tostring(r)), level + 1)
    end
    return 1 / r
end

function bl.exponential(t)
    check_fields("bl.exponential", t, { "mean", "rate" }, 0, 2)
    local mean = t.mean
    if one_of("bl.exponential", t, "mean", "rate", 2) == "rate" then
        mean = positive_rate("bl.exponential", t.rate, 2)
    end
    local d = make("exponential", mean)
    return d
end

function bl.lognormal(t)
    check_fields("bl.lognormal", t, { "mu", "sigma", "mean", "sd" }, 0, 2)
    local d
    if t.mu ~= nil or t.sigma ~= nil then
        if t.mean ~= nil or t.sd ~= nil then
            error("bl.lognormal: give mu= and sigma=, or mean= and sd=, not a mix", 2)
        end
        check_number("bl.lognormal", "mu", t.mu, 2)
        check_number("bl.lognormal", "sigma", t.sigma, 2)
        d = make("lognormal", t.mu, t.sigma)
    else
        check_number("bl.lognormal", "mean", t.mean, 2)
        check_number("bl.lognormal", "sd", t.sd, 2)
        d = make("lognormal_moments", t.mean, t.sd)
    end
    return d
end

function bl.gamma(t)
    check_fields("bl.gamma", t, { "shape", "scale", "rate" }, 0, 2)
    check_number("bl.gamma", "shape", t.shape, 2)
    local scale = t.scale
    if one_of("bl.gamma", t, "scale", "rate", 2) == "rate" then
        scale = positive_rate("bl.gamma", t.rate, 2)
    end
    local d = make("gamma", t.shape, scale)
    return d
end

function bl.deterministic(v)
    if type(v) == "table" then
        check_fields("bl.deterministic", v, { "value" }, 0, 2)
        v = v.value
    end
    check_number("bl.deterministic", "the value", v, 2)
    local d = make("deterministic", v)
    return d
end

function bl.uniform(t)
    check_fields("bl.uniform", t, { "low", "high" }, 0, 2)
    check_number("bl.uniform", "low", t.low, 2)
    check_number("bl.uniform", "high", t.high, 2)
    local d = make("uniform", t.low, t.high)
    return d
end

function bl.empirical(t)
    check_fields("bl.empirical", t, { "values", "weights" }, 0, 2)
    check_list("bl.empirical: values", t.values, 2)
    if t.weights ~= nil then
        check_list("bl.empirical: weights", t.weights, 2)
    end
    local d, msg = core.empirical(t.values, t.weights)
    if d == nil then
        error(msg, 2)
    end
    return d
end

-- Is v a distribution (a C object from the constructors above)?
function bl.is_distribution(v)
    local mt = type(v) == "userdata" and getmetatable(v)
    return mt and mt.__name == "borderlab.dist" or false
end

-- ------------------------------------------------------------ parameters

-- bl.parameters{servers = 10, ...}: the values, each replaced by a matching
-- --set key=value (typed by its default).  Reading an undeclared name from
-- the result is an error, so a typo does not silently give nil.
function bl.parameters(t)
    if type(t) ~= "table" then
        error("bl.parameters: expects a table, as in bl.parameters{servers = 10}", 2)
    end
    local names = {}
    for k in pairs(t) do
        if type(k) ~= "string" then
            error(format("bl.parameters: parameter names are strings (got %s)", tostring(k)), 2)
        end
        names[#names + 1] = k
    end
    sort(names)
    local P = {}
    for _, k in ipairs(names) do
        local v, msg = core.parameter(k, t[k])
        if v == nil then
            error(msg, 2)
        end
        P[k] = v
    end
    return setmetatable(P, {
        __index = function(_, k)
            error(format("bl.parameters: no parameter '%s' (declared: %s)", tostring(k),
                concat(names, ", ")), 2)
        end,
    })
end

-- ------------------------------------------------------------ arrivals

-- A rate must be a number >= 0 (finite): checked here so a negative rate
-- is an error at the constructor's line.
local function check_rate(fname, what, r, level)
    if type(r) ~= "number" or not (r >= 0 and r < math.huge) then
        error(format("%s: %s must be a rate >= 0 per second (got %s)", fname, what, tostring(r)),
            level + 1)
    end
end

-- bl.poisson{rate = r} or bl.poisson{profile = {r1, r2...}, step = s,
-- periodic = true}: rate r_i (per second) during [i*s, (i+1)*s).
function bl.poisson(t)
    check_fields("bl.poisson", t, { "rate", "profile", "step", "periodic" }, 0, 2)
    local o = { ctor = "bl.poisson" }
    if t.rate ~= nil then
        if t.profile ~= nil or t.step ~= nil or t.periodic ~= nil then
            error("bl.poisson: give rate= alone, or profile= with step= (and periodic=)", 2)
        end
        check_rate("bl.poisson", "rate", t.rate, 2)
        o.rates = { t.rate }
    elseif t.profile ~= nil then
        check_list("bl.poisson: profile", t.profile, 2)
        o.rates = {}
        for i, r in ipairs(t.profile) do
            check_rate("bl.poisson", format("profile[%d]", i), r, 2)
            o.rates[i] = r
        end
        o.step, o.periodic = t.step, t.periodic
    else
        error("bl.poisson: needs rate= or profile= (with step=)", 2)
    end
    local obj = tagged("arrivals", o, 2)
    return obj
end

-- bl.weekly{day = {24 hourly rates}, week = {7 multipliers, Monday first}}:
-- Poisson arrivals with 168 hourly segments, day[h] * week[d], repeating
-- every week.
function bl.weekly(t)
    check_fields("bl.weekly", t, { "day", "week" }, 0, 2)
    check_list("bl.weekly: day", t.day, 2)
    if #t.day ~= 24 then
        error(format("bl.weekly: day needs 24 hourly rates, from 0:00 (got %d)", #t.day), 2)
    end
    local week = t.week or { 1, 1, 1, 1, 1, 1, 1 }
    check_list("bl.weekly: week", week, 2)
    if #week ~= 7 then
        error(format("bl.weekly: week needs 7 day multipliers, Monday first (got %d)", #week), 2)
    end
    for h, r in ipairs(t.day) do
        check_rate("bl.weekly", format("day[%d]", h), r, 2)
    end
    for d, m in ipairs(week) do
        if type(m) ~= "number" or not (m >= 0 and m < math.huge) then
            error(format("bl.weekly: week[%d] must be a multiplier >= 0 (got %s)", d,
                tostring(m)), 2)
        end
    end
    local rates = {}
    for d = 1, 7 do
        for h = 1, 24 do
            rates[(d - 1) * 24 + h] = t.day[h] * week[d]
        end
    end
    local obj = tagged("arrivals", { ctor = "bl.weekly", rates = rates, step = 3600,
        periodic = true }, 2)
    return obj
end

-- bl.arrivals_csv{path = "arrivals.csv", time = "time", class = "class",
-- group = "group", unit = "seconds"}: arrivals replayed from a file (read
-- and checked when the scenario loads).
function bl.arrivals_csv(t)
    check_fields("bl.arrivals_csv", t, { "path", "time", "class", "group", "unit" }, 0, 2)
    if type(t.path) ~= "string" or t.path == "" then
        error(format("bl.arrivals_csv: path= must be a file name (got %s)", type(t.path)), 2)
    end
    for _, f in ipairs { "time", "class", "group" } do
        if t[f] ~= nil and (type(t[f]) ~= "string" or t[f] == "") then
            error(format("bl.arrivals_csv: %s= must be a column name (got %s)", f, type(t[f])), 2)
        end
    end
    local units = { "seconds", "minutes", "hours" }
    if t.unit ~= nil and t.unit ~= "seconds" and t.unit ~= "minutes" and t.unit ~= "hours" then
        local hint = type(t.unit) == "string" and suggest(t.unit, units) or ""
        error(format("bl.arrivals_csv: unit must be 'seconds', 'minutes' or 'hours' (got %s)%s",
            tostring(t.unit), hint), 2)
    end
    local obj = tagged("arrivals_csv", { path = t.path, time = t.time, class = t.class,
        group = t.group, unit = t.unit }, 2)
    return obj
end

-- ------------------------------------------------------------ classes and runs

local class_fields = { "name", "arrivals", "group", "occupants", "population", "first",
    "priority" }

-- bl.class{"foot", arrivals = ..., group =, occupants =, population =,
-- first = "station", priority = 0}: one kind of entity.
function bl.class(t)
    check_fields("bl.class", t, class_fields, 1, 2)
    local name = t[1] or t.name
    if type(name) ~= "string" or name == "" then
        error('bl.class: the first element must be the class\'s name, as in bl.class{"foot", ...}',
            2)
    end
    if t.priority ~= nil and math_type(t.priority) ~= "integer" then
        error(format("bl.class: priority must be an integer (got %s)", tostring(t.priority)), 2)
    end
    local o = { name = name }
    for _, f in ipairs(class_fields) do
        if f ~= "name" then
            o[f] = t[f]
        end
    end
    local obj = tagged("class", o, 2)
    return obj
end

-- bl.sequential{metric = "sojourn_mean", half_width = 30 | relative = 0.05,
-- min = 5, max = 100, batch = 2}: replications until the 95% CI is narrow.
function bl.sequential(t)
    check_fields("bl.sequential", t, { "metric", "half_width", "relative", "min", "max", "batch" },
        0, 2)
    if type(t.metric) ~= "string" or t.metric == "" then
        error('bl.sequential: metric= is required, as in metric = "sojourn_mean"', 2)
    end
    local k = one_of("bl.sequential", t, "half_width", "relative", 2)
    if not (t[k] > 0) then
        error(format("bl.sequential: %s must be > 0 (got %s)", k, tostring(t[k])), 2)
    end
    local obj = tagged("sequential", { metric = t.metric, half_width = t.half_width,
        relative = t.relative, min = t.min, max = t.max, batch = t.batch }, 2)
    return obj
end

-- bl.shifts{{from = bl.hours(0), to = bl.hours(8), servers = 4}, ...,
-- period = bl.days(1)}: servers on duty by time of day.
function bl.shifts(t)
    check_fields("bl.shifts", t, { "period" }, #t, 2)
    if #t == 0 then
        error("bl.shifts: needs at least one {from = ..., to = ..., servers = ...}", 2)
    end
    local list = {}
    for i, s in ipairs(t) do
        local f = format("bl.shifts: shift %d", i)
        check_fields(f, s, { "from", "to", "servers" }, 0, 2)
        for _, k in ipairs { "from", "to", "servers" } do
            check_number(f, k, s[k], 2)
        end
        list[i] = { from = s.from, to = s.to, servers = s.servers }
    end
    local obj = tagged("shifts", { list = list, period = t.period }, 2)
    return obj
end

-- bl.surrogate{results = "xray.h5", detector = "borderlab.dual_energy",
-- latency = true}: scan stations use what a detector_bench run measured.
function bl.surrogate(t)
    check_fields("bl.surrogate", t, { "results", "detector", "latency" }, 0, 2)
    if type(t.results) ~= "string" or t.results == "" then
        error(format("bl.surrogate: results= must be a detector_bench results file (got %s)",
            type(t.results)), 2)
    end
    local obj = tagged("surrogate", { results = t.results, detector = t.detector,
        latency = t.latency }, 2)
    return obj
end

-- ------------------------------------------------------------ population

function bl.population(t)
    check_fields("bl.population", t, { "carriers", "contraband", "attributes" }, 0, 2)
    local o = { carriers = t.carriers, contraband = {}, attributes = {} }
    if t.contraband ~= nil then
        check_list("bl.population: contraband", t.contraband, 2)
        for i, c in ipairs(t.contraband) do
            local f = format("bl.population: contraband[%d]", i)
            check_fields(f, c, { "name", "share", "value", "quantity", "unit", "looks_like",
                "concealment" }, 1, 2)
            local conc
            if c.concealment ~= nil then
                check_list(f .. ": concealment", c.concealment, 2)
                conc = {}
                for j, k in ipairs(c.concealment) do
                    local g = format("%s: concealment[%d]", f, j)
                    check_fields(g, k, { "name", "share", "find", "in_scan" }, 1, 2)
                    conc[j] = { name = k[1] or k.name, share = k.share, find = k.find,
                        in_scan = k.in_scan }
                end
            end
            o.contraband[i] = { name = c[1] or c.name, share = c.share, value = c.value,
                quantity = c.quantity, unit = c.unit, looks_like = c.looks_like,
                concealment = conc }
        end
    end
    if t.attributes ~= nil then
        check_list("bl.population: attributes", t.attributes, 2)
        for i, a in ipairs(t.attributes) do
            local f = format("bl.population: attributes[%d]", i)
            check_fields(f, a, { "name", "clean", "carrier", "all" }, 1, 2)
            local clean, carrier = a.clean, a.carrier
            if a.all ~= nil then
                if clean ~= nil or carrier ~= nil then
                    error(f .. ": give all=, or clean= (and carrier=), not both", 2)
                end
                clean, carrier = a.all, a.all
            end
            o.attributes[i] = { name = a[1] or a.name, clean = clean, carrier = carrier or clean }
        end
    end
    local obj = tagged("population", o, 2)
    return obj
end

-- ------------------------------------------------------------ plugins

-- Flatten a configuration value into key/value strings ("weights.age").
local function flatten(key, v, out, level)
    local tv = type(v)
    if tv == "table" then
        for k, x in pairs(v) do
            if type(k) ~= "string" and math_type(k) ~= "integer" then
                error(format("bl.plugin: %s has a %s key", key, type(k)), level + 1)
            end
            flatten(key .. "." .. tostring(k), x, out, level + 1)
        end
    elseif tv == "number" then
        out[key] = math_type(v) == "integer" and tostring(v) or format("%.17g", v)
    elseif tv == "boolean" or tv == "string" then
        out[key] = tostring(v)
    else
        error(format("bl.plugin: %s is a %s: use numbers, booleans, strings or tables of them",
            key, tv), level + 1)
    end
end

-- bl.plugin{"name or path.so", key = value, ...}
function bl.plugin(t)
    if type(t) ~= "table" then
        error('bl.plugin: expects a table, as in bl.plugin{"dual_energy"}', 2)
    end
    if type(t[1]) ~= "string" or t[1] == "" then
        error('bl.plugin: the first element must be the plugin, as in bl.plugin{"dual_energy"}', 2)
    end
    local flat = {}
    for k, v in pairs(t) do
        if k ~= 1 then
            if type(k) ~= "string" then
                error(format("bl.plugin: unexpected value at index %s", tostring(k)), 2)
            end
            flatten(k, v, flat, 2)
        end
    end
    local o = { spec = t[1], keys = {}, values = {} }
    for k in pairs(flat) do
        o.keys[#o.keys + 1] = k
    end
    sort(o.keys)
    for i, k in ipairs(o.keys) do
        o.values[i] = flat[k]
    end
    local obj = tagged("plugin", o, 2)
    return obj
end

-- ------------------------------------------------------------ stations and jobs

-- Constructors of their own modules (stations.lua, jobs.lua), installed here.
for _, module in ipairs { "borderlab.stations", "borderlab.jobs" } do
    for name, f in pairs(require(module)) do
        bl[name] = f
    end
end

return bl
