--[[
borderlab.soak: the store_soak job's constructors (the C half is
core/jobs/store/scenario_soak.c; every field, with its default, is in
core/jobs/store/store_fields.c: `borderlab fields bl.store_soak` prints
it).  Values are checked in C, at the constructor's line.
]]
local checks = require "borderlab.checks"

local ipairs = ipairs
local format = string.format
local fail, constructor, fields, check_fields, check_table, copy_fields, check_list =
    checks.fail, checks.constructor, checks.fields, checks.check_fields, checks.check_table,
    checks.copy_fields, checks.check_list

local M = {}

-- bl.storage{rooms = {{name = "A", shelves = 4, bins = 10, capacity = 20,
-- classes = {"drugs", "cigarettes"}}, ...}}: the bins of a seizure store.
M.storage = constructor("storage", function(t)
    check_table("bl.storage", t)
    check_list("bl.storage: rooms", t.rooms)
    local room = fields("bl.storage: rooms")
    local rooms = {}
    for i, r in ipairs(t.rooms) do
        local f = format("bl.storage: rooms[%d]", i)
        check_fields(f, r, room, 0)
        if r.classes ~= nil then
            check_list(f .. ": classes", r.classes)
        end
        rooms[i] = copy_fields("bl.storage: rooms", r)
    end
    return { rooms = rooms }
end)

-- The store_soak job: client threads drive a seizure store plugin with a
-- weighted mix of verbs at a target rate.
M.store_soak = constructor("job", function(t)
    check_table("bl.store_soak", t)
    if t.mix ~= nil then
        check_table("bl.store_soak: mix", t.mix)
    end
    if t.operations ~= nil and t.duration ~= nil then
        fail("bl.store_soak: give operations= or duration=, not both")
    end
    return copy_fields("bl.store_soak", t, { job = "store_soak" })
end)

return M
