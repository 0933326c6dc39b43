-- One evaluation in `make bench-compare`: a workload called a few times in a row. The
-- engines' hosts time the whole evaluation on CPU time; the result is the checksum.
local work = (function()
@WORKLOAD@
end)()
local result
for _ = 1, @CALLS@ do result = work() end
return tostring(result)
