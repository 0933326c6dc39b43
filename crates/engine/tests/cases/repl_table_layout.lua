local t = { name = "moonkeep", list = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta" } }
t.self = t
t[true] = "yes"
t["not an identifier"] = 1
t["end"] = 2
return t, setmetatable({}, { __tostring = function() return "custom!" end }), {}
