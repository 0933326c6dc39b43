-- Title: A cyclic graph
-- Nodes that point at each other, cycles included, plus two names for the same
-- node. Memory keeps the shape exactly: after a reload the cycle is still a cycle
-- and both names still lead to one node. Run, reload, run again.
if not Memory.graph then
  local a, b, c = { name = "a" }, { name = "b" }, { name = "c" }
  a.next, b.next, c.next = b, c, a
  a.self = a
  Memory.graph = { start = a, also_c = c }
end
local g = Memory.graph
local walk, node = {}, g.start
for _ = 1, 4 do
  walk[#walk + 1] = node.name
  node = node.next
end
print("walk: " .. table.concat(walk, " -> "))
print("cycle closes: " .. tostring(rawequal(node, g.start.next)))
print("self loop: " .. tostring(rawequal(g.start.self, g.start)))
print("same node under two names: " .. tostring(rawequal(g.start.next.next, g.also_c)))
