-- oracle: lua5.4
local function add(a, b) return a + b end
local bytes = string.dump(add)
print(type(bytes), bytes:byte(1) == 27, bytes:sub(2, 4))
local restored = load(bytes, "add", "b")
print(restored(2, 3))
-- text mode refuses binary chunks, binary mode refuses text
print(load(bytes, "add", "t"))
print(load("return 1", "text", "b"))
-- stripped dumps lose debug info but still run
local stripped = string.dump(add, true)
print(#stripped < #bytes, load(stripped, "s", "b")(4, 5))
-- debug info survives a dump: an error names the original line
local function fails()
  local x = 1
  error("line three")
end
local again = load(string.dump(fails), "=fails", "b")
print(pcall(again))
-- upvalues come back as fresh slots, as in stock Lua
local counter = 0
local function bump() counter = counter + 1; return counter end
local copy = load(string.dump(bump), "bump", "b")
print(debug.getupvalue(copy, 1), pcall(copy))
-- a function loaded from a dump can itself be dumped and loaded
print(load(string.dump(restored), "again", "b")(10, 20))
