-- oracle: lua5.4
local mb = 1024 * 1024
local s = string.rep("x", 10 * mb)
print(#s, s:sub(1, 3), s:sub(-3))
local parts = {}
for i = 1, 10 * 1024 do parts[i] = string.rep(string.char(65 + i % 26), 1024) end
local joined = table.concat(parts)
print(#joined, joined:sub(1, 2), joined:sub(-2))
local sum = 0
for i = 1, #joined, 4096 do sum = sum + joined:byte(i) end
print(sum)
local replaced, n = string.gsub(s:sub(1, mb), "x", "yz")
print(#replaced, n)
print(#(s .. s), s:find("y"), s:rep(2, ","):len())
local upper = s:upper()
print(#upper, upper:sub(1, 1), s == string.rep("x", 10 * mb))
local bin = string.rep("\0\1\2\255", 2 * mb)
print(#bin, bin:byte(1, 4))
