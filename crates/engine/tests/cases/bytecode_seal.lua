local bytes = string.dump(function() return "sealed" end)
print(load(bytes, "ok", "b")())
-- the same bytes with one change were not made by string.dump here: refused
local forged = bytes:sub(1, -2) .. string.char((bytes:byte(-1) + 1) % 256)
print(load(forged, "forged", "b"))
print(load("\27Lua garbage", "junk"))
-- also through a reader function
local sent = false
print(load(function() if sent then return nil end sent = true; return forged end))
-- the host's own functions keep their upvalues to themselves
print(debug.getupvalue(print, 1), debug.getupvalue(string.dump, 1))
print(pcall(debug.upvaluejoin, function() return bytes end, 1, load, 1))
print(pcall(debug.getregistry))
