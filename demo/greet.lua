-- Title: A greeting that remembers
-- A function made once, with an id and a time captured as upvalues. Memory keeps
-- the function and both values, so after a reload it greets with the same words.
if not Memory.greet then
  local id = string.format("%06x", math.random(0, 0xffffff))
  local made = os.date("%Y-%m-%d %H:%M:%S")
  Memory.greet = function(name)
    return string.format("Hello, %s! I am greeter %s, made on %s.", name, id, made)
  end
end
print(Memory.greet("world"))
