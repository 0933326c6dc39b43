#!/usr/bin/env lua -- the first line of a script file is skipped
local info = debug.getinfo(1, "Sl")
print(info.source, info.short_src, info.currentline, info.what)
print(debug.getinfo(print, "S").source, debug.getinfo(print, "S").short_src)
local function where() return debug.getinfo(2, "l").currentline end
print(where())
-- Latin-1 in the source, not UTF-8: bytes as they are
print("café", #"café")
error("the end, at line " .. where())
