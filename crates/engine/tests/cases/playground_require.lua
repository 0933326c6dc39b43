print(pcall(require, "socket"))
package.preload.greeter = function(name) return { hello = function() return "hello from " .. name end } end
print(require("greeter").hello())
print(require("string") == string, package.loaded.greeter ~= nil)
print(pcall(package.loadlib, "lib.so", "f"))
