-- oracle: lua5.4
print(load("x = ", "=chunk"))
print(load("local a = 1\nlocal b = 2\nreturn a +* b", "=lines"))
print(load("return 'unfinished", "=str"))
print(load("for i = 1, 2 do", "=block"))
local f = assert(load("return 40 + 2"))
print(f())
print(type(load(function() return nil end)))
local pieces = { "return ", "1 ", "+ 1" }
local i = 0
print(load(function() i = i + 1; return pieces[i] end)())
local env = { x = 5 }
print(load("return x", "=env", "t", env)())
print(pcall(load("error('from loaded chunk')", "=loaded")))
