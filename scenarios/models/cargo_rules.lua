-- Example selectivity rules for risk/rules over the synthetic declarations
-- (core/gen/declaration_gen.h: hs_code, origin, route, importer and declarant
-- are labels; the rest are numbers; a missing value is nil).
--
-- A declaration scores the highest score among the rules it matches, or
-- `default` when it matches none.  Two forms, which may be combined in one
-- rule (then all conditions must hold and `when` must return true):
--   all  = { {column, op, value}, ... }   evaluated in C (fast): op is
--          ==, ~=, <, <=, >, >= (numbers; == and ~= also compare labels),
--          prefix (label starts with) or in (a list of labels or numbers);
--          a missing value fails every condition except ~=.
--   when = function(r) ... end            Lua, for anything else; guard
--          numbers that may be missing (r.x ~= nil and r.x < 12).
-- Illustrative thresholds: the generator's median price of cigarettes is
-- about 25 per kg, of fine jewellery about 25000 per kg.
--
-- Use: borderlab plugin check rules.so --config rules=scenarios/models/cargo_rules.lua
-- or plugin "rules" with { rules = "scenarios/models/cargo_rules.lua" } in a scenario.

-- Origins with a preferential (duty-free) rate: the ones false-origin fraud claims.
local preferential = { "VN", "MY", "BD", "TR", "MA", "SG", "MX", "KH" }

return {
  { name = "cheap cigarettes", score = 0.9,
    all = { {"hs_code", "==", "240220"}, {"value_per_kg", "<", 12} } },

  { name = "undervalued jewellery", score = 0.85,
    all = { {"hs_code", "==", "711319"}, {"value_per_kg", "<", 8000} } },

  { name = "repeat offender", score = 0.8,
    all = { {"importer_past_frauds", ">=", 2} } },

  { name = "tobacco or spirits through a transit hub", score = 0.7,
    all = { {"route", "in", {"sea:via-AE", "rail:via-KZ"}} },
    when = function(r)
      local chapter = r.hs_code and r.hs_code:sub(1, 2)
      return chapter == "24" or r.hs_code == "220710"
    end },

  { name = "past fraud", score = 0.6,
    all = { {"importer_past_frauds", ">=", 1} } },

  { name = "cheap phones", score = 0.6,
    all = { {"hs_code", "==", "851712"}, {"value_per_kg", "<", 60} } },

  { name = "duty-free claim on high-tariff goods", score = 0.5,
    all = { {"origin", "in", preferential}, {"tariff_rate", "==", 0} },
    when = function(r)
      local chapter = r.hs_code and r.hs_code:sub(1, 2)
      return chapter == "24" or chapter == "61" or chapter == "62" or chapter == "64"
    end },

  { name = "new importer", score = 0.35,
    when = function(r)
      return r.importer_past_declarations ~= nil and r.importer_past_declarations < 3
    end },

  { name = "busy importer never inspected", score = 0.3,
    all = { {"importer_past_declarations", ">=", 50}, {"importer_past_inspections", "==", 0} } },

  default = 0.02,
}
