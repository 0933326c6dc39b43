x = 10
y = x * 2
print("y is", y)
