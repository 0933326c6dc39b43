-- Title: Welcome
-- Welcome to Moonkeep: Lua 5.4, running in your browser.
-- Press Run (or Ctrl+Enter). An expression on the last line shows its value.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
print("fib(20) =", fib(20))
return _VERSION, os.date("%Y-%m-%d")
