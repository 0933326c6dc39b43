-- Title: Closure counter factory
-- A factory makes counters; each counter keeps its own count in an upvalue, and the
-- factory keeps how many counters it made. All of it is in Memory, so after a reload
-- every counter goes on from where it was. Run, reload, run again.
if not Memory.factory then
  local made = 0
  Memory.factory = function(step)
    made = made + 1
    local count, name = 0, "counter " .. made
    return function()
      count = count + step
      return name, count
    end
  end
  Memory.by_one = Memory.factory(1)
  Memory.by_ten = Memory.factory(10)
end
print(Memory.by_one())
print(Memory.by_ten())
print(Memory.by_one())
