--[[
borderlab.checkpoint: the checkpoint job's constructors (the C half is
core/jobs/checkpoint/scenario_checkpoint.c and scenario_classes.c; every
field, with its default, is in core/jobs/checkpoint/checkpoint_fields.c:
`borderlab fields bl.station` prints it).

Lua describes, C runs: a constructor checks the names of its fields,
normalises the spelling (rate= -> a profile, all= -> clean= and carrier=)
and records where it was called; C converts the job and checks the values,
naming that file:line.
]]
local core = require "borderlab.core"
local checks = require "borderlab.checks"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format = string.format
local math_type = math.type
local fail, constructor, fields, check_fields, check_table, copy_fields, check_number,
    check_list, check_rate, one_of, suggest =
    checks.fail, checks.constructor, checks.fields, checks.check_fields, checks.check_table,
    checks.copy_fields, checks.check_number, checks.check_list, checks.check_rate, checks.one_of,
    checks.suggest

local M = {}

-- ------------------------------------------------------------ arrivals

-- bl.poisson{rate = r} or bl.poisson{profile = {r1, r2...}, step = s,
-- periodic = true}: rate r_i (per second) during [i*s, (i+1)*s).
M.poisson = constructor("arrivals", function(t)
    check_table("bl.poisson", t)
    local o = { ctor = "bl.poisson" }
    if t.rate ~= nil then
        if t.profile ~= nil or t.step ~= nil or t.periodic ~= nil then
            fail("bl.poisson: give rate= alone, or profile= with step= (and periodic=)")
        end
        check_rate("bl.poisson", "rate", t.rate)
        o.rates = { t.rate }
    elseif t.profile ~= nil then
        check_list("bl.poisson: profile", t.profile)
        o.rates = {}
        for i, r in ipairs(t.profile) do
            check_rate("bl.poisson", format("profile[%d]", i), r)
            o.rates[i] = r
        end
        o.step, o.periodic = t.step, t.periodic
    else
        fail("bl.poisson: needs rate= or profile= (with step=)")
    end
    return o
end)

-- bl.weekly{day = {24 hourly rates}, week = {7 multipliers, Monday first}}:
-- Poisson arrivals with 168 hourly segments, day[h] * week[d], repeating
-- every week.  C reads it through bl.poisson's table (a profile with its
-- step and periodic).
M.weekly = constructor("arrivals", function(t)
    check_table("bl.weekly", t)
    check_list("bl.weekly: day", t.day)
    if #t.day ~= 24 then
        fail(format("bl.weekly: day needs 24 hourly rates, from 0:00 (got %d)", #t.day))
    end
    local week = t.week or { 1, 1, 1, 1, 1, 1, 1 }
    check_list("bl.weekly: week", week)
    if #week ~= 7 then
        fail(format("bl.weekly: week needs 7 day multipliers, Monday first (got %d)", #week))
    end
    for h, r in ipairs(t.day) do
        check_rate("bl.weekly", format("day[%d]", h), r)
    end
    for d, m in ipairs(week) do
        if type(m) ~= "number" or not (m >= 0 and m < math.huge) then
            fail(format("bl.weekly: week[%d] must be a multiplier >= 0 (got %s)", d, tostring(m)))
        end
    end
    local rates = {}
    for d = 1, 7 do
        for h = 1, 24 do
            rates[(d - 1) * 24 + h] = t.day[h] * week[d]
        end
    end
    return { ctor = "bl.weekly", rates = rates, step = 3600, periodic = true }
end)

-- bl.arrivals_csv{path = "arrivals.csv", time = "time", class = "class",
-- group = "group", unit = "seconds"}: arrivals replayed from a file (read
-- and checked when the scenario loads).
M.arrivals_csv = constructor("arrivals_csv", function(t)
    check_table("bl.arrivals_csv", t)
    if type(t.path) ~= "string" or t.path == "" then
        fail(format("bl.arrivals_csv: path= must be a file name (got %s)", type(t.path)))
    end
    for _, f in ipairs { "time", "class", "group" } do
        if t[f] ~= nil and (type(t[f]) ~= "string" or t[f] == "") then
            fail(format("bl.arrivals_csv: %s= must be a column name (got %s)", f, type(t[f])))
        end
    end
    local units = { "seconds", "minutes", "hours" }
    if t.unit ~= nil and t.unit ~= "seconds" and t.unit ~= "minutes" and t.unit ~= "hours" then
        local hint = type(t.unit) == "string" and suggest(t.unit, units) or ""
        fail(format("bl.arrivals_csv: unit must be 'seconds', 'minutes' or 'hours' (got %s)%s",
            tostring(t.unit), hint))
    end
    return copy_fields("bl.arrivals_csv", t)
end)

-- ------------------------------------------------------------ classes and runs

-- bl.class{"foot", arrivals = ..., group =, occupants =, population =,
-- first = "station", priority = 0}: one kind of entity.
M.class = constructor("class", function(t)
    check_table("bl.class", t, 1)
    local name = t[1] or t.name
    if type(name) ~= "string" or name == "" then
        fail('bl.class: the first element must be the class\'s name, as in bl.class{"foot", ...}')
    end
    if t.priority ~= nil and math_type(t.priority) ~= "integer" then
        fail(format("bl.class: priority must be an integer (got %s)", tostring(t.priority)))
    end
    return copy_fields("bl.class", t, { name = name })
end)

-- bl.sequential{metric = "sojourn_mean", half_width = 30 | relative = 0.05,
-- min = 5, max = 100, batch = 2}: replications until the 95% CI is narrow.
M.sequential = constructor("sequential", function(t)
    check_table("bl.sequential", t)
    if type(t.metric) ~= "string" or t.metric == "" then
        fail('bl.sequential: metric= is required, as in metric = "sojourn_mean"')
    end
    local k = one_of("bl.sequential", t, "half_width", "relative")
    if not (t[k] > 0) then
        fail(format("bl.sequential: %s must be > 0 (got %s)", k, tostring(t[k])))
    end
    return copy_fields("bl.sequential", t)
end)

-- bl.shifts{{from = bl.hours(0), to = bl.hours(8), servers = 4}, ...,
-- period = bl.days(1)}: servers on duty by time of day.
M.shifts = constructor("shifts", function(t)
    check_table("bl.shifts", t, type(t) == "table" and #t or 0)
    if #t == 0 then
        fail("bl.shifts: needs at least one {from = ..., to = ..., servers = ...}")
    end
    local shift = fields("bl.shifts: shift")
    local list = {}
    for i, s in ipairs(t) do
        local f = format("bl.shifts: shift %d", i)
        check_fields(f, s, shift, 0)
        for _, k in ipairs(shift) do
            check_number(f, k, s[k])
        end
        list[i] = copy_fields("bl.shifts: shift", s)
    end
    return { list = list, period = t.period }
end)

-- bl.surrogate{results = "xray.h5", detector = "borderlab.dual_energy",
-- latency = true}: scan stations use what a detector_bench run measured.
M.surrogate = constructor("surrogate", function(t)
    check_table("bl.surrogate", t)
    if type(t.results) ~= "string" or t.results == "" then
        fail(format("bl.surrogate: results= must be a detector_bench results file (got %s)",
            type(t.results)))
    end
    return copy_fields("bl.surrogate", t)
end)

-- ------------------------------------------------------------ population

-- The entries of list (a sequence) checked against table `name`, the
-- first value as name=; each made by entry(f, e) when given.
local function entries(fname, name, list, entry)
    check_list(fname .. ": " .. name:match(": (.*)$"), list)
    local allowed = fields(name)
    local out = {}
    for i, e in ipairs(list) do
        local f = format("%s: %s[%d]", fname, name:match(": (.*)$"), i)
        check_fields(f, e, allowed, 1)
        out[i] = entry and entry(f, e) or copy_fields(name, e, { name = e[1] or e.name })
    end
    return out
end

M.population = constructor("population", function(t)
    check_table("bl.population", t)
    local o = { carriers = t.carriers, contraband = {}, attributes = {} }
    if t.contraband ~= nil then
        o.contraband = entries("bl.population", "bl.population: contraband", t.contraband,
            function(f, c)
                local conc
                if c.concealment ~= nil then
                    conc = entries(f, "bl.population: concealment", c.concealment)
                end
                return copy_fields("bl.population: contraband", c,
                    { name = c[1] or c.name, concealment = conc })
            end)
    end
    if t.attributes ~= nil then
        o.attributes = entries("bl.population", "bl.population: attributes", t.attributes,
            function(f, a)
                local clean, carrier = a.clean, a.carrier
                if a.all ~= nil then
                    if clean ~= nil or carrier ~= nil then
                        fail(f .. ": give all=, or clean= (and carrier=), not both")
                    end
                    clean, carrier = a.all, a.all
                end
                return { name = a[1] or a.name, clean = clean, carrier = carrier or clean }
            end)
    end
    return o
end)

-- ------------------------------------------------------------ stations

-- A station of constructor fname and kind: its fields, the first value as
-- its name.
local function station(fname, kind)
    return constructor("station", function(t)
        check_table(fname, t, 1)
        local name = t[1] or t.name
        if type(name) ~= "string" or name == "" then
            fail(format('%s: the first element must be the station\'s name, as in %s{"counter", ...}',
                fname, fname))
        end
        return copy_fields(fname, t, { name = name, kind = kind })
    end)
end

-- A plain station: serve, then go to `next` (a name, "exit", bl.route,
-- bl.by_class or bl.by_attribute).
M.station = station("bl.station", "service")
-- Risk model: score >= threshold (or among the riskiest budget_per_hour)
-- -> `selected`, else `otherwise`.
M.risk_check = station("bl.risk_check", "risk")
-- Detector: a detection >= threshold -> `alarm`, else `clear`.
M.scan = station("bl.scan", "scan")
-- Manual search: contraband found with find_probability -> `found`.
M.search = station("bl.search", "search")
-- An officer reviews an alarm: confirmed -> `confirmed`, else `overridden`.
M.review = station("bl.review", "review")

-- bl.route{{"a", 0.3}, {"b", 0.7}}: a random next station.
M.route = constructor("route", function(t)
    check_list("bl.route", t)
    if #t == 0 then
        fail('bl.route: needs at least one {"station", probability} pair')
    end
    local o = { targets = {}, probs = {} }
    for i, e in ipairs(t) do
        local f = format("bl.route: entry %d", i)
        check_fields(f, e, {}, 2)
        if type(e[1]) ~= "string" or type(e[2]) ~= "number" then
            fail(f .. ': expects {"station", probability}')
        end
        o.targets[i], o.probs[i] = e[1], e[2]
    end
    return o
end)

-- bl.by_class{foot = "a", car = "b", default = "c"}: the next station by
-- the entity's class (class names are checked when the job converts).
M.by_class = constructor("by_class", function(t)
    if type(t) ~= "table" then
        fail('bl.by_class: expects a table, as in bl.by_class{foot = "a", default = "b"}')
    end
    local map = {}
    for k, v in pairs(t) do
        if type(k) ~= "string" then
            fail(format("bl.by_class: keys are class names (got %s)", tostring(k)))
        end
        if type(v) ~= "string" then
            fail(format("bl.by_class: %s must be a station name or 'exit' (got %s)", k, type(v)))
        end
        if k ~= "default" then
            map[k] = v
        end
    end
    return { map = map, default = t.default }
end)

-- bl.by_attribute{"declared_value", at_least = 1000, yes = "x", no = "y"}.
M.by_attribute = constructor("by_attribute", function(t)
    check_table("bl.by_attribute", t, 1)
    local a = t[1] or t.attribute
    if type(a) ~= "string" or a == "" then
        fail('bl.by_attribute: the first element must be an attribute, as in '
            .. 'bl.by_attribute{"declared_value", at_least = 1000, yes = "search"}')
    end
    check_number("bl.by_attribute", "at_least", t.at_least)
    if type(t.yes) ~= "string" then
        fail("bl.by_attribute: yes= must be a station name or 'exit'")
    end
    return copy_fields("bl.by_attribute", t, { attribute = a })
end)

-- ------------------------------------------------------------ the job

-- The checkpoint job: entities arrive, pass the stations, leave.
M.checkpoint = constructor("job", function(t)
    check_table("bl.checkpoint", t)
    if t.warmup ~= nil then
        check_table("bl.checkpoint: warmup", t.warmup)
        if t.warmup.time ~= nil and t.warmup.entities ~= nil then
            fail("bl.checkpoint: warmup: give time= or entities=, not both")
        end
    end
    if t.plugins ~= nil then
        check_table("bl.checkpoint: plugins", t.plugins)
    end
    if t.scan ~= nil then
        check_table("bl.checkpoint: scan", t.scan)
    end
    if t.stations ~= nil then
        check_list("bl.checkpoint: stations", t.stations)
    end
    if t.classes ~= nil then
        check_list("bl.checkpoint: classes", t.classes)
        if t.arrivals ~= nil or t.population ~= nil then
            fail("bl.checkpoint: with classes=, arrivals= and population= go inside each "
                .. "bl.class{...}")
        end
    end
    return copy_fields("bl.checkpoint", t, { job = "checkpoint" })
end)

return M
