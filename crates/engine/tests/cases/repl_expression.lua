math.max(3, 9, 4) * 2
