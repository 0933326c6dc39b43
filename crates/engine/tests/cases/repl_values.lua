return 1, 2.5, "text", nil, true, { 1, 2, 3, x = "a", [10] = false, nested = { y = {} } }
