-- os.date and os.time as the manual defines them (in the time zone of the process).
local t = 1700000000
print(os.date("!%Y-%m-%d %H:%M:%S", t), os.date("!%c", t), os.date("!%x %X %p", t))
print(os.date("!%a %A %b %B %d %e %j %U %w %W %y %G %g %V %u %%", t))
local utc = os.date("!*t", t)
print(utc.year, utc.month, utc.day, utc.hour, utc.min, utc.sec, utc.wday, utc.yday, utc.isdst)
local here = os.date("*t", t)
print(os.time(here) == t, here.isdst == false or here.isdst == true)
print(os.date("%Y-%m-%d %H:%M:%S", t) == os.date("%Y-%m-%d %H:%M:%S", os.time(os.date("*t", t))))
print(os.date("!%H", 0), os.date("!%Y", -1), os.date("!%Y", 2^31), os.date("!%Y", 253402300799))
print(pcall(os.date, "!%Y", 2^60))
print(math.type(os.time()), os.time() > 1700000000, os.time(nil) > 0)
-- normalisation: out-of-range fields are carried, and the table is updated
local fields = { year = 2020, month = 14, day = 35, hour = 25, min = 61, sec = 61 }
local n = os.time(fields)
print(math.type(n), fields.year, fields.month, fields.day, fields.hour, fields.min, fields.sec, fields.wday, fields.yday)
local back = os.date("*t", n)
print(back.year, back.month, back.day, back.hour, back.min, back.sec)
local noon = { year = 2024, month = 2, day = 29 }
print(os.date("%Y-%m-%d %H:%M:%S", os.time(noon)), noon.hour, noon.isdst ~= nil)
print(os.time({ year = 2024, month = 3, day = 1, hour = 12 }) - os.time({ year = 2024, month = 2, day = 29, hour = 12 }))
print(pcall(os.time, { year = 2024, month = 1 }))
print(pcall(os.time, { year = 2^40, month = 1, day = 1 }))
print(os.difftime(10, 4), os.difftime(5), math.type(os.difftime(1, 1)))
-- os.clock counts seconds up from a small number
local c = os.clock()
print(math.type(c), c >= 0, os.clock() >= c)
print(os.getenv("HOME") == nil or type(os.getenv("HOME")) == "string")
