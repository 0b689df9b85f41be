--[[
Store soak: a procurement team loading a seizure store before it goes live.

Two client threads (two counters at the evidence room) deposit, move,
retrieve, dispose of, look up and list seizures in the reference in-memory
store (--set store=sqlite --set db=FILE.db soaks the SQLite store; --plugin
store=FILE.so any other), 20 000 operations as fast as the store allows, syncing every 100
operations per client.  The evidence room has three rooms: a drugs and
tobacco room, a strong room for firearms, knives and currency, and a
general room.  Bins are chosen best fit; 1% of moves put the item in the
wrong bin, and an inventory scan (an RFID walk through every bin) runs
every 5 000 operations.  At the end the whole custody chain is verified.

Magnitudes to expect (measured with `borderlab run`, defaults, 2 cores;
latencies depend on the machine, and the counts move a little from run to
run because the clients interleave differently):
  - memory store: 20 000 operations in about 0.06 s (about 300 000 ops/s);
    p50 about 1 us for deposit, move, retrieve, dispose, 0.5 us for get,
    8 us for list
  - the sqlite store (bl.plugin{"sqlite", path = "soak.db"}): about 3 s
    (about 6 700 ops/s); p50 about 350 us per state change, 10 us per get
  - verify passes over about 10 600 custody entries
  - about 1 300 deposits and 450 moves refused by the layout: room B (the
    strong room, 3 of the 7 classes) fills up; utilisation about 74%,
    about 3 300 items in store at the end
  - about 20 moves misplace an item and the scans find about 15 of them
    (the others left storage before a scan); simulated time to retrieve
    mean about 81 s, p90 about 100 s
]]
local P = bl.parameters {
    store = "memory",     -- "memory" or "sqlite"
    db = "store_soak.db", -- the sqlite store's database file
    clients = 2,
    operations = 20000,
    rate = 0,             -- operations per second per client; 0 = as fast as possible
}

return bl.store_soak {
    name = "store_soak",
    seed = 1,
    store = P.store == "sqlite" and bl.plugin { "sqlite", path = P.db, group_commit = 100 }
        or bl.plugin { P.store },
    clients = P.clients,
    operations = P.operations,
    rate = P.rate,
    mix = { deposit = 4, move = 2, retrieve = 1, dispose = 1, get = 4, list = 1, verify = 0 },
    sync_every = 100,
    layout = bl.storage {
        rooms = {
            { name = "A", shelves = 4, bins = 10, capacity = 40, classes = { "drugs", "cigarettes" } },
            { name = "B", shelves = 4, bins = 10, capacity = 30,
              classes = { "firearm", "knife", "currency" } },
            { name = "C", shelves = 6, bins = 20, capacity = 40,
              classes = { "drugs", "cigarettes", "explosive", "metal" } },
        },
    },
    policy = "best_fit",
    misplace = 0.01,
    inventory_every = 5000,
}
