-- load with strings and reader functions, as the manual defines it.
local function pieces(...)
  local list, i = { ... }, 0
  return function() i = i + 1 return list[i] end
end
print(load(pieces("return ", "1 ", "+ 41"))())
print(load(pieces("return ", 2, "0"))())
print(load(function() error("reader failed") end))
print(load(function() error({}) end))
print(load(function() return {} end))
print(load(function() return true end))
print(load(pieces("x = ", "")))
print(type(load(pieces())))
print(load(pieces("return ...", nil, "ignored"))(7, 8))
print(pcall(load))
print(pcall(load, 42))
print(load("syntax error here"))
print(load("syntax error here", "=named"))
print(load("syntax error here", "@file.lua"))
print(load(pieces("syntax", " error")))
print(load(pieces("syntax", " error"), "=reader"))
print(load("return x", "chunk", "t", { x = "from env" })())
print(load(pieces("return x"), "chunk", "t", { x = "env via reader" })())
print(load("return 1", "chunk", "b"))
print(load(pieces("return 1"), "chunk", "b"))
print(pcall(load, "return 1", "chunk", "q"))
-- bytecode made here loads, from a string or a reader, whole or in pieces
local dumped = string.dump(function(a) return (a or 0) * 3 end)
print(load(dumped)(5), load(dumped, "d", "b")(6))
print(load(dumped, "d", "t"))
local i = 0
print(load(function() i = i + 1 return dumped:sub(i, i) ~= "" and dumped:sub(i, i) or nil end)(7))
print(string.dump(load("return 1"), true) ~= nil)
-- the function returned keeps the chunk's name
print(debug.getinfo(load("return 1", "=custom")).source, debug.getinfo(load("return 1")).source)
print(debug.getinfo(load(pieces("return 1"))).source)
