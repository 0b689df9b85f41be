--[[
borderlab: the scenario library (the Lua half; the C half is borderlab.core,
core/lua_bl.c).  A scenario sees it as the global `bl` or require "borderlab".

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

local type, pairs, ipairs, error, tostring, getmetatable, setmetatable =
    type, pairs, ipairs, error, tostring, getmetatable, setmetatable
local format, concat, sort = string.format, table.concat, table.sort
local math_type, math_min, math_abs = math.type, math.min, math.abs

local bl = {}

-- ------------------------------------------------------------ checking
--
-- Convention: `level` is what error() takes, counted from the function that
-- receives it; helpers pass level + 1 on.  Constructors must not tail-call
-- a helper that may raise (a tail call removes their frame).

-- Edit distance, for "did you mean" on a misspelt field.
local function distance(a, b)
    if math_abs(#a - #b) > 2 then
        return 99
    end
    local prev = {}
    for j = 0, #b do
        prev[j] = j
    end
    for i = 1, #a do
        local cur = { [0] = i }
        for j = 1, #b do
            local cost = a:byte(i) == b:byte(j) and 0 or 1
            cur[j] = math_min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        end
        prev = cur
    end
    return prev[#b]
end

-- "; did you mean 'x'?" for the name in `allowed` closest to k, or "".
local function suggest(k, allowed)
    local best, best_d = nil, 3
    for _, a in ipairs(allowed) do
        local d = distance(k, a)
        if d < best_d then
            best, best_d = a, d
        end
    end
    return best and format("; did you mean '%s'?", best) or ""
end

-- t must be a table whose keys are the strings in `allowed` or the
-- positions 1..npos.
local function check_fields(fname, t, allowed, npos, level)
    level = level + 1
    if type(t) ~= "table" then
        error(format("%s: expects a table, as in %s{...} (got %s)", fname, fname, type(t)), level)
    end
    local known = {}
    for _, k in ipairs(allowed) do
        known[k] = true
    end
    for k in pairs(t) do
        if math_type(k) == "integer" and k >= 1 and k <= npos then
            -- a positional value
        elseif type(k) ~= "string" then
            error(format("%s: unexpected value at index %s", fname, tostring(k)), level)
        elseif not known[k] then
            local list = #allowed > 0 and format(" (fields: %s)", concat(allowed, ", ")) or ""
            error(format("%s: unknown field '%s'%s%s", fname, k, suggest(k, allowed), list), level)
        end
    end
end

local function check_number(fname, what, x, level)
    if type(x) ~= "number" then
        error(format("%s: %s must be a number (got %s)", fname, what, type(x)), level + 1)
    end
end

-- A sequence (1..#t, nothing else) of anything.
local function check_list(fname, t, level)
    check_fields(fname, t, {}, #t, level + 1)
end

-- Objects C converts: the kind is in the metatable (read raw by C); a
-- script sees only "borderlab.<kind>" and cannot re-tag them.
local tags = {}
local function tagged(kind, o, level)
    local src, line = core.where(level + 1)
    o._src, o._line = src, line
    local mt = tags[kind]
    if mt == nil then
        mt = { __bl = kind, __metatable = "borderlab." .. kind }
        tags[kind] = mt
    end
    return setmetatable(o, mt)
end

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

-- ------------------------------------------------------------ stations

-- Copy the fields of a station constructor into a tagged object.
local function station(fname, kind, t, fields, level)
    check_fields(fname, t, fields, 1, level + 1)
    local name = t[1]
    if type(name) ~= "string" or name == "" then
        error(format('%s: the first element must be the station\'s name, as in %s{"counter", ...}',
            fname, fname), level + 1)
    end
    local o = { name = name, kind = kind }
    for _, f in ipairs(fields) do
        o[f] = t[f]
    end
    local obj = tagged("station", o, level + 1)
    return obj
end

local common = { "servers", "service", "patience", "reneged" }

-- common .. extra
local function fields_of(extra)
    local f = {}
    for _, k in ipairs(common) do
        f[#f + 1] = k
    end
    for _, k in ipairs(extra) do
        f[#f + 1] = k
    end
    return f
end

-- A plain station: serve, then go to `next` (a name, "exit", bl.route,
-- bl.by_class or bl.by_attribute).
function bl.station(t)
    local o = station("bl.station", "service", t, fields_of { "next" }, 2)
    return o
end

-- Risk model: score >= threshold (or among the riskiest budget_per_hour)
-- -> `selected`, else `otherwise`.
function bl.risk_check(t)
    local o = station("bl.risk_check", "risk", t,
        fields_of { "threshold", "budget_per_hour", "selected", "otherwise" }, 2)
    return o
end

-- Detector: a detection >= threshold -> `alarm`, else `clear`.
function bl.scan(t)
    local o = station("bl.scan", "scan", t, fields_of { "threshold", "alarm", "clear" }, 2)
    return o
end

-- Manual search: contraband found with find_probability -> `found`.
function bl.search(t)
    local o = station("bl.search", "search", t,
        fields_of { "find_probability", "found", "not_found" }, 2)
    return o
end

-- An officer reviews an alarm: confirmed -> `confirmed`, else `overridden`.
function bl.review(t)
    local o = station("bl.review", "review", t,
        fields_of { "confirm_carrier", "confirm_clean", "confirmed", "overridden" }, 2)
    return o
end

-- bl.route{{"a", 0.3}, {"b", 0.7}}: a random next station.
function bl.route(t)
    check_list("bl.route", t, 2)
    if #t == 0 then
        error('bl.route: needs at least one {"station", probability} pair', 2)
    end
    local o = { targets = {}, probs = {} }
    for i, e in ipairs(t) do
        local f = format("bl.route: entry %d", i)
        check_fields(f, e, {}, 2, 2)
        if type(e[1]) ~= "string" or type(e[2]) ~= "number" then
            error(f .. ': expects {"station", probability}', 2)
        end
        o.targets[i], o.probs[i] = e[1], e[2]
    end
    local obj = tagged("route", o, 2)
    return obj
end

-- bl.by_class{foot = "a", car = "b", default = "c"}: the next station by
-- the entity's class (class names are checked when the job converts).
function bl.by_class(t)
    if type(t) ~= "table" then
        error('bl.by_class: expects a table, as in bl.by_class{foot = "a", default = "b"}', 2)
    end
    local map = {}
    for k, v in pairs(t) do
        if type(k) ~= "string" then
            error(format("bl.by_class: keys are class names (got %s)", tostring(k)), 2)
        end
        if type(v) ~= "string" then
            error(format("bl.by_class: %s must be a station name or 'exit' (got %s)", k, type(v)), 2)
        end
        if k ~= "default" then
            map[k] = v
        end
    end
    local obj = tagged("by_class", { map = map, default = t.default }, 2)
    return obj
end

-- bl.by_attribute{"declared_value", at_least = 1000, yes = "x", no = "y"}.
function bl.by_attribute(t)
    check_fields("bl.by_attribute", t, { "attribute", "at_least", "yes", "no" }, 1, 2)
    local a = t[1] or t.attribute
    if type(a) ~= "string" or a == "" then
        error('bl.by_attribute: the first element must be an attribute, as in '
            .. 'bl.by_attribute{"declared_value", at_least = 1000, yes = "search"}', 2)
    end
    check_number("bl.by_attribute", "at_least", t.at_least, 2)
    if type(t.yes) ~= "string" then
        error("bl.by_attribute: yes= must be a station name or 'exit'", 2)
    end
    local obj = tagged("by_attribute", { attribute = a, at_least = t.at_least, yes = t.yes,
        no = t.no }, 2)
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

-- ------------------------------------------------------------ jobs

local checkpoint_fields = { "name", "seed", "replications", "duration", "max_entities", "warmup",
    "entity_table", "series_step", "classes", "replay", "arrivals", "population", "stations",
    "plugins", "surrogate", "scan" }

-- The checkpoint job: entities arrive, pass the stations, leave.
function bl.checkpoint(t)
    check_fields("bl.checkpoint", t, checkpoint_fields, 0, 2)
    if t.warmup ~= nil then
        check_fields("bl.checkpoint: warmup", t.warmup, { "time", "entities" }, 0, 2)
        if t.warmup.time ~= nil and t.warmup.entities ~= nil then
            error("bl.checkpoint: warmup: give time= or entities=, not both", 2)
        end
    end
    if t.plugins ~= nil then
        check_fields("bl.checkpoint: plugins", t.plugins, { "detector", "risk", "store" }, 0, 2)
    end
    if t.scan ~= nil then
        check_fields("bl.checkpoint: scan", t.scan, { "width", "height", "pixel_mm" }, 0, 2)
    end
    if t.stations ~= nil then
        check_list("bl.checkpoint: stations", t.stations, 2)
    end
    if t.classes ~= nil then
        check_list("bl.checkpoint: classes", t.classes, 2)
        if t.arrivals ~= nil or t.population ~= nil then
            error("bl.checkpoint: with classes=, arrivals= and population= go inside each "
                .. "bl.class{...}", 2)
        end
    end
    local o = { job = "checkpoint" }
    for _, f in ipairs(checkpoint_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

-- ------------------------------------------------------------ detector bench

local xray_fields = { "width", "height", "pixel_mm", "subject", "prevalence", "clutter",
    "occlusion", "object_scale", "photons", "blur", "dual_energy" }

-- bl.xray{width = 512, prevalence = {firearm = 0.05, ...}, ...}: the scan
-- generator.  Threat names come from the C side (core/xray.c), so the list
-- here cannot drift from what the generator knows.
function bl.xray(t)
    check_fields("bl.xray", t, xray_fields, 0, 2)
    if t.subject ~= nil and t.subject ~= "bag" and t.subject ~= "container" then
        error(format("bl.xray: subject must be 'bag' or 'container' (got %s)",
            type(t.subject) == "string" and "'" .. t.subject .. "'" or type(t.subject)), 2)
    end
    local prevalence
    if t.prevalence ~= nil then
        if type(t.prevalence) ~= "table" then
            error(format("bl.xray: prevalence must be a table such as {firearm = 0.05} (got %s)",
                type(t.prevalence)), 2)
        end
        local threats = core.threats()
        local known = {}
        for _, name in ipairs(threats) do
            known[name] = true
        end
        prevalence = {}
        for k, v in pairs(t.prevalence) do
            if type(k) ~= "string" or not known[k] then
                local hint = type(k) == "string" and suggest(k, threats) or ""
                error(format("bl.xray: prevalence: unknown threat '%s'%s (threats: %s)",
                    tostring(k), hint, concat(threats, ", ")), 2)
            end
            check_number("bl.xray", "prevalence." .. k, v, 2)
            prevalence[k] = v
        end
    end
    local o = {}
    for _, f in ipairs(xray_fields) do
        o[f] = t[f]
    end
    o.prevalence = prevalence
    local obj = tagged("xray", o, 2)
    return obj
end

-- bl.replay{folder = "images", annotations = "images/coco.json", pixel_mm = 1.2}:
-- a team's own labelled images.  Relative paths are relative to the scenario
-- file; pixel_mm (mm per pixel) is needed when the images do not state it.
function bl.replay(t)
    check_fields("bl.replay", t, { "folder", "annotations", "pixel_mm" }, 0, 2)
    for _, f in ipairs { "folder", "annotations" } do
        if type(t[f]) ~= "string" or t[f] == "" then
            error(format("bl.replay: %s= must be a path (got %s)", f, type(t[f])), 2)
        end
    end
    if t.pixel_mm ~= nil then
        check_number("bl.replay", "pixel_mm", t.pixel_mm, 2)
        if not (t.pixel_mm > 0 and t.pixel_mm < math.huge) then
            error(format("bl.replay: pixel_mm must be the size of a pixel in mm, > 0 (got %s)",
                tostring(t.pixel_mm)), 2)
        end
    end
    local obj = tagged("replay",
        { folder = t.folder, annotations = t.annotations, pixel_mm = t.pixel_mm }, 2)
    return obj
end

local bench_fields = { "name", "seed", "scans", "generator", "replay", "detectors", "threshold",
    "batch", "intervals", "save_scans", "performance" }
local performance_fields = {
    offline = { "scans", "batch_sizes", "threads" },
    single_stream = { "queries" },
    server = { "rate", "queries", "p99_bound" },
}

-- The detector_bench job: a fixed, seeded set of scans through detectors.
function bl.detector_bench(t)
    check_fields("bl.detector_bench", t, bench_fields, 0, 2)
    if t.detectors ~= nil then
        check_list("bl.detector_bench: detectors", t.detectors, 2)
    end
    if t.generator ~= nil and t.replay ~= nil then
        error("bl.detector_bench: give generator= (bl.xray{...}) or replay= (bl.replay{...}), "
            .. "not both", 2)
    end
    local p = t.performance
    if p ~= nil then
        check_fields("bl.detector_bench: performance", p, { "pool", "offline", "single_stream",
            "server" }, 0, 2)
        for mode, fields in pairs(performance_fields) do
            if p[mode] ~= nil then
                check_fields("bl.detector_bench: performance." .. mode, p[mode], fields, 0, 2)
            end
        end
        if p.offline ~= nil then
            for _, f in ipairs { "batch_sizes", "threads" } do
                if p.offline[f] ~= nil then
                    check_list("bl.detector_bench: performance.offline." .. f, p.offline[f], 2)
                end
            end
        end
    end
    local o = { job = "detector_bench" }
    for _, f in ipairs(bench_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

-- ------------------------------------------------------------ risk validation

-- The generator's knobs a model developer sets (core/declaration_gen.h);
-- the HS, origin and route tables are the built-in ones.
local declarations_fields = { "records", "weeks", "seed_world", "fraud_rate", "patterns",
    "critical", "unlabelled", "seasonal_amplitude", "seasonal_peak_week", "importers",
    "importer_size_shape", "importer_risk_sigma", "habitual_share", "habitual_factor",
    "importer_codes", "importer_focus", "declarants", "declarant_size_shape",
    "lax_declarant_share", "lax_declarant_factor", "preferential_factor", "consignment_value",
    "quantity_sigma", "max_fraud_probability", "undervaluation_min", "undervaluation_max",
    "prohibited_penalty", "history_lag_weeks", "declaration_ids" }
local pattern_names = { "undervaluation", "misclassification", "false_origin", "prohibited" }

-- bl.declarations{records = 200000, fraud_rate = 0.06, patterns = {...}, ...}:
-- synthetic declarations with ground truth.  Values are checked in C
-- (bl_declaration_gen_config_validate), at this call's line.
function bl.declarations(t)
    t = t or {}
    check_fields("bl.declarations", t, declarations_fields, 0, 2)
    if t.patterns ~= nil then
        check_fields("bl.declarations: patterns", t.patterns, pattern_names, 0, 2)
    end
    local o = {}
    for _, f in ipairs(declarations_fields) do
        o[f] = t[f]
    end
    if t.patterns ~= nil then
        o.patterns = {}
        for k, v in pairs(t.patterns) do
            o.patterns[k] = v
        end
    end
    local obj = tagged("declarations", o, 2)
    return obj
end

local column_types = { "numeric", "categorical", "identifier" }
local csv_fields = { "path", "columns", "label", "revenue", "week", "labelled", "on_bad_row" }

-- bl.csv{path = "decl.csv", columns = {["declared value"] = "numeric", ...},
-- label = "fraud", ...}: a team's own declarations.  columns are what the
-- models may read; label, revenue, week and labelled name truth columns the
-- host reads itself.
function bl.csv(t)
    check_fields("bl.csv", t, csv_fields, 0, 2)
    if type(t.path) ~= "string" or t.path == "" then
        error(format("bl.csv: path= must be a file name (got %s)", type(t.path)), 2)
    end
    if type(t.columns) ~= "table" then
        error(format('bl.csv: columns= must be a table such as {origin = "categorical", '
            .. 'value = "numeric"} (got %s)', type(t.columns)), 2)
    end
    local columns = {}
    for k, v in pairs(t.columns) do
        if type(k) ~= "string" then
            error(format('bl.csv: columns: keys are column names, as in {origin = "categorical"} '
                .. "(got %s)", tostring(k)), 2)
        end
        local known = false
        for _, ct in ipairs(column_types) do
            known = known or v == ct
        end
        if not known then
            local hint = type(v) == "string" and suggest(v, column_types) or ""
            error(format("bl.csv: columns['%s'] = %s: the type is 'numeric', 'categorical' or "
                .. "'identifier'%s", k, type(v) == "string" and "'" .. v .. "'" or tostring(v),
                hint), 2)
        end
        columns[k] = v
    end
    if t.on_bad_row ~= nil and t.on_bad_row ~= "fail" and t.on_bad_row ~= "skip" then
        error(format("bl.csv: on_bad_row must be 'fail' or 'skip' (got %s)",
            type(t.on_bad_row) == "string" and "'" .. t.on_bad_row .. "'"
            or tostring(t.on_bad_row)), 2)
    end
    local o = {}
    for _, f in ipairs(csv_fields) do
        o[f] = t[f]
    end
    o.columns = columns
    local obj = tagged("csv", o, 2)
    return obj
end

local risk_fields = { "name", "seed", "declarations", "models", "rates", "breakdown",
    "weekly_rate", "batch", "bootstrap", "gate" }

-- The risk_validation job: declarations scored by risk models, ranked and
-- measured at inspection rates; gate = {["precision@5"] = 0.2, ...} is the
-- rollout gate.
function bl.risk_validation(t)
    check_fields("bl.risk_validation", t, risk_fields, 0, 2)
    for _, f in ipairs { "models", "rates", "breakdown" } do
        if t[f] ~= nil then
            check_list("bl.risk_validation: " .. f, t[f], 2)
        end
    end
    if t.gate ~= nil and type(t.gate) ~= "table" then
        error(format('bl.risk_validation: gate must be a table such as {["precision@5"] = 0.2} '
            .. "(got %s)", type(t.gate)), 2)
    end
    local o = { job = "risk_validation" }
    for _, f in ipairs(risk_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

-- ------------------------------------------------------------ store soak

local room_fields = { "name", "shelves", "bins", "capacity", "classes" }

-- bl.storage{rooms = {{name = "A", shelves = 4, bins = 10, capacity = 20,
-- classes = {"drugs", "cigarettes"}}, ...}}: the bins of a seizure store
-- (core/storage.h).  Values are checked in C at this call's line.
function bl.storage(t)
    check_fields("bl.storage", t, { "rooms" }, 0, 2)
    check_list("bl.storage: rooms", t.rooms, 2)
    local rooms = {}
    for i, r in ipairs(t.rooms) do
        local f = format("bl.storage: rooms[%d]", i)
        check_fields(f, r, room_fields, 0, 2)
        if r.classes ~= nil then
            check_list(f .. ": classes", r.classes, 2)
        end
        rooms[i] = { name = r.name, shelves = r.shelves, bins = r.bins, capacity = r.capacity,
            classes = r.classes }
    end
    local obj = tagged("storage", { rooms = rooms }, 2)
    return obj
end

local soak_fields = { "name", "seed", "store", "clients", "operations", "duration", "rate", "mix",
    "sync_every", "layout", "policy", "misplace", "inventory_every" }
local soak_verbs = { "deposit", "move", "retrieve", "dispose", "get", "list", "verify" }

-- The store_soak job: client threads drive a seizure store plugin with a
-- weighted mix of verbs at a target rate (core/store_soak.h).
function bl.store_soak(t)
    check_fields("bl.store_soak", t, soak_fields, 0, 2)
    if t.mix ~= nil then
        check_fields("bl.store_soak: mix", t.mix, soak_verbs, 0, 2)
    end
    if t.operations ~= nil and t.duration ~= nil then
        error("bl.store_soak: give operations= or duration=, not both", 2)
    end
    local o = { job = "store_soak" }
    for _, f in ipairs(soak_fields) do
        o[f] = t[f]
    end
    local obj = tagged("job", o, 2)
    return obj
end

return bl
