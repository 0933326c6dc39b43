-- fib(27): calls and integer arithmetic, the interpreter's inner loop.
-- test size: 20
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
return function(n) return fib(n or 27) end
