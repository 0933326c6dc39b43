-- Title: A counter that survives reloads
-- Memory keeps functions together with the variables they captured. This counter
-- is a closure: its count lives in a local variable, not in a table, and it is
-- still there after you reload the page. Run it a few times, reload, run again.
local function make_counter()
  local count = 0
  return function()
    count = count + 1
    return count
  end
end

Memory.counter = Memory.counter or make_counter()
print("This counter has been run " .. Memory.counter() .. " time(s).")
