--[[
borderlab: the scenario library (the Lua half; the C half is borderlab.core,
core/scenario/lua_bl.c).  A scenario sees it as the global `bl` or
require "borderlab".

Its modules mirror the C side:
  borderlab.checks      what every constructor shares: field checks with
                        "did you mean", failures raised at the caller's line
  borderlab.dist        time and rate helpers, distributions
  borderlab.checkpoint  bl.checkpoint and its classes, arrivals, stations...
  borderlab.bench       bl.detector_bench, bl.xray, bl.replay
  borderlab.risk        bl.risk_validation, bl.declarations, bl.csv
  borderlab.soak        bl.store_soak, bl.storage
and this one adds bl.parameters and bl.plugin.

Lua describes, C runs: every constructor checks the names of its fields
against the field table the C converter reads through too
(core/scenario/fields.h; `borderlab fields` prints every field with its
default and what it means, as the README's scenario reference does), and C
converts the returned job and checks the values, naming the file:line.

Units: times in seconds, rates per second.  Use the helpers
(bl.minutes(5), bl.per_hour(120)) rather than bare numbers.

math.random draws from the host RNG, stream (seed, 0, 0x200), where seed
is --seed or else 1: the job's own seed= is only known once the script has
returned it.  math.randomseed(n) restarts the stream from n.
]]
local core = require "borderlab.core"
local checks = require "borderlab.checks"

local type, pairs, ipairs, tostring, setmetatable, error = type, pairs, ipairs, tostring,
    setmetatable, error
local format, concat, sort = string.format, table.concat, table.sort
local math_type = math.type
local fail, constructor = checks.fail, checks.constructor

local bl = {}

-- ------------------------------------------------------------ parameters

-- bl.parameters{servers = 10, ...}: the values, each replaced by a matching
-- --set key=value (typed by its default).  Reading an undeclared name from
-- the result is an error, so a typo does not silently give nil.
bl.parameters = constructor(nil, function(t)
    if type(t) ~= "table" then
        fail("bl.parameters: expects a table, as in bl.parameters{servers = 10}")
    end
    local names = {}
    for k in pairs(t) do
        if type(k) ~= "string" then
            fail(format("bl.parameters: parameter names are strings (got %s)", tostring(k)))
        end
        names[#names + 1] = k
    end
    sort(names)
    local P = {}
    for _, k in ipairs(names) do
        local v, msg = core.parameter(k, t[k])
        if v == nil then
            fail(msg)
        end
        P[k] = v
    end
    return setmetatable(P, {
        __index = function(_, k)
            error(format("bl.parameters: no parameter '%s' (declared: %s)", tostring(k),
                concat(names, ", ")), 2)
        end,
    })
end)

-- ------------------------------------------------------------ plugins

-- Flatten a configuration value into key/value strings ("weights.age").
local function flatten(key, v, out)
    local tv = type(v)
    if tv == "table" then
        for k, x in pairs(v) do
            if type(k) ~= "string" and math_type(k) ~= "integer" then
                fail(format("bl.plugin: %s has a %s key", key, type(k)))
            end
            flatten(key .. "." .. tostring(k), x, out)
        end
    elseif tv == "number" then
        out[key] = math_type(v) == "integer" and tostring(v) or format("%.17g", v)
    elseif tv == "boolean" or tv == "string" then
        out[key] = tostring(v)
    else
        fail(format("bl.plugin: %s is a %s: use numbers, booleans, strings or tables of them",
            key, tv))
    end
end

-- bl.plugin{"name or path.so", key = value, ...}
bl.plugin = constructor("plugin", function(t)
    if type(t) ~= "table" then
        fail('bl.plugin: expects a table, as in bl.plugin{"dual_energy"}')
    end
    if type(t[1]) ~= "string" or t[1] == "" then
        fail('bl.plugin: the first element must be the plugin, as in bl.plugin{"dual_energy"}')
    end
    local flat = {}
    for k, v in pairs(t) do
        if k ~= 1 then
            if type(k) ~= "string" then
                fail(format("bl.plugin: unexpected value at index %s", tostring(k)))
            end
            flatten(k, v, flat)
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
    return o
end)

-- ------------------------------------------------------------ the modules

for _, name in ipairs { "dist", "checkpoint", "bench", "risk", "soak" } do
    for k, v in pairs(require("borderlab." .. name)) do
        if bl[k] ~= nil then
            error(format("borderlab.%s: bl.%s is defined twice", name, k))
        end
        bl[k] = v
    end
end

return bl
