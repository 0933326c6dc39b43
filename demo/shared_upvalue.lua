-- Title: Two closures sharing one upvalue
-- deposit and balance both capture the same local variable. Memory keeps them
-- sharing it: after a reload, a deposit is still seen by balance. Run, reload, run.
if not Memory.account then
  local balance = 0
  Memory.account = {
    deposit = function(amount) balance = balance + amount end,
    balance = function() return balance end,
  }
end
Memory.account.deposit(25)
print("balance: " .. Memory.account.balance())
