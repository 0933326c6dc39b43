-- A table raised as the error ends the script as under lua.
local function fail() error({ code = 42 }) end
fail()
