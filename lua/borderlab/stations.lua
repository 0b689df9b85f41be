--[[
borderlab.stations: the station constructors of a checkpoint (bl.station,
bl.risk_check, bl.scan, bl.search, bl.review) and where an entity goes
next (bl.route, bl.by_class, bl.by_attribute).  init.lua installs them in
`bl`; their defaults are documented there.  Levels passed to error() follow
the convention in check.lua.
]]
local check = require "borderlab.check"

local type, pairs, ipairs, error, tostring = type, pairs, ipairs, error, tostring
local format = string.format
local check_fields, check_number, check_list, tagged =
    check.check_fields, check.check_number, check.check_list, check.tagged

local bl = {}

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

return bl
