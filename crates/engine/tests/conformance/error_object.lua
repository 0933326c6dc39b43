-- An error object that is not a string ends the script as under lua.
print(select("#", pcall(error, {})), type(select(2, pcall(error, {}))))
error(setmetatable({}, { __tostring = function() return "an error object with its own text" end }))
