--[[
borderlab.dist: time and rate helpers, and the distributions of service
times, gaps and attributes.  Distributions are C objects built (and
validated) at once by core.dist (core/stats/dist.c); their fields are in
core/scenario/common_fields.c.

Units: times in seconds, rates per second.  Use the helpers
(bl.minutes(5), bl.per_hour(120)) rather than bare numbers.
]]
local core = require "borderlab.core"
local checks = require "borderlab.checks"

local type, getmetatable, tostring = type, getmetatable, tostring
local format = string.format
local fail, constructor, check_table, check_number, check_list, one_of =
    checks.fail, checks.constructor, checks.check_table, checks.check_number, checks.check_list,
    checks.one_of

local M = {}

-- ------------------------------------------------------------ time and rates

local function scaler(fname, factor)
    return constructor(nil, function(x)
        check_number(fname, "the argument", x)
        return x * factor
    end)
end

M.seconds = scaler("bl.seconds", 1)
M.minutes = scaler("bl.minutes", 60)
M.hours = scaler("bl.hours", 3600)
M.days = scaler("bl.days", 86400)
M.per_second = scaler("bl.per_second", 1)
M.per_minute = scaler("bl.per_minute", 1 / 60)
M.per_hour = scaler("bl.per_hour", 1 / 3600)
M.per_day = scaler("bl.per_day", 1 / 86400)

-- ------------------------------------------------------------ distributions

-- A C distribution; its validation message is dist.c's.
local function make(kind, a, b)
    local d, msg = core.dist(kind, a, b)
    if d == nil then
        fail(msg)
    end
    return d
end

local function positive_rate(fname, r)
    if not (r > 0) then
        fail(format("%s: rate must be > 0 (got %s)", fname, tostring(r)))
    end
    return 1 / r
end

M.exponential = constructor(nil, function(t)
    check_table("bl.exponential", t)
    local mean = t.mean
    if one_of("bl.exponential", t, "mean", "rate") == "rate" then
        mean = positive_rate("bl.exponential", t.rate)
    end
    return make("exponential", mean)
end)

M.lognormal = constructor(nil, function(t)
    check_table("bl.lognormal", t)
    if t.mu ~= nil or t.sigma ~= nil then
        if t.mean ~= nil or t.sd ~= nil then
            fail("bl.lognormal: give mu= and sigma=, or mean= and sd=, not a mix")
        end
        check_number("bl.lognormal", "mu", t.mu)
        check_number("bl.lognormal", "sigma", t.sigma)
        return make("lognormal", t.mu, t.sigma)
    end
    check_number("bl.lognormal", "mean", t.mean)
    check_number("bl.lognormal", "sd", t.sd)
    return make("lognormal_moments", t.mean, t.sd)
end)

M.gamma = constructor(nil, function(t)
    check_table("bl.gamma", t)
    check_number("bl.gamma", "shape", t.shape)
    local scale = t.scale
    if one_of("bl.gamma", t, "scale", "rate") == "rate" then
        scale = positive_rate("bl.gamma", t.rate)
    end
    return make("gamma", t.shape, scale)
end)

M.deterministic = constructor(nil, function(v)
    if type(v) == "table" then
        check_table("bl.deterministic", v)
        v = v.value
    end
    check_number("bl.deterministic", "the value", v)
    return make("deterministic", v)
end)

M.uniform = constructor(nil, function(t)
    check_table("bl.uniform", t)
    check_number("bl.uniform", "low", t.low)
    check_number("bl.uniform", "high", t.high)
    return make("uniform", t.low, t.high)
end)

M.empirical = constructor(nil, function(t)
    check_table("bl.empirical", t)
    check_list("bl.empirical: values", t.values)
    if t.weights ~= nil then
        check_list("bl.empirical: weights", t.weights)
    end
    local d, msg = core.empirical(t.values, t.weights)
    if d == nil then
        fail(msg)
    end
    return d
end)

-- Is v a distribution (a C object from the constructors above)?
function M.is_distribution(v)
    local mt = type(v) == "userdata" and getmetatable(v)
    return mt and mt.__name == "borderlab.dist" or false
end

return M
