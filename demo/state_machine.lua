-- Title: A state machine whose states are functions
-- A traffic light: each state is a function that returns the next state. Memory
-- holds the current state (a function) and the history, so the light resumes in
-- the right colour after a reload. Run it a few times, reload, run again.
if not Memory.light then
  local states = {}
  function states.red() return states.green, "green" end
  function states.green() return states.amber, "amber" end
  function states.amber() return states.red, "red" end
  Memory.light = { state = states.red, name = "red", history = {} }
end
local light = Memory.light
light.state, light.name = light.state()
table.insert(light.history, light.name)
print("the light is now " .. light.name .. " (" .. #light.history .. " changes so far)")
