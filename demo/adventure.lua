-- Title: A tiny text adventure
-- Run this, then play in the console: look(), go("north"), take("lamp"),
-- inventory(). The world and your progress live in Memory: reload the page, run this
-- again, and you are where you left off, carrying what you carried.
if not Memory.adventure then
  local rooms = {
    hall = { text = "a dusty hall", exits = { north = "library" }, items = { "lamp" } },
    library = { text = "a library full of whispering books", exits = { south = "hall", up = "tower" }, items = { "key" } },
    tower = { text = "the top of a tower; a locked chest stands here", exits = { down = "library" }, items = {} },
  }
  local here, carried, moves = "hall", {}, 0
  local game = {}
  function game.look()
    local room = rooms[here]
    local exits = {}
    for dir in pairs(room.exits) do exits[#exits + 1] = dir end
    table.sort(exits)
    local items = #room.items > 0 and (" You see: " .. table.concat(room.items, ", ") .. ".") or ""
    return "You are in " .. room.text .. "." .. items .. " Exits: " .. table.concat(exits, ", ") .. "."
  end
  function game.go(dir)
    local to = rooms[here].exits[dir]
    if not to then return "You can't go " .. tostring(dir) .. " from here." end
    here, moves = to, moves + 1
    return game.look()
  end
  function game.take(item)
    local items = rooms[here].items
    for i, name in ipairs(items) do
      if name == item then
        table.remove(items, i)
        carried[#carried + 1] = item
        return "Taken: " .. item .. "."
      end
    end
    return "There is no " .. tostring(item) .. " here."
  end
  function game.inventory()
    return #carried == 0 and "You carry nothing." or ("You carry: " .. table.concat(carried, ", ") .. " (" .. moves .. " moves).")
  end
  Memory.adventure = game
end
-- Globals are not kept across reloads; Memory is. Bind the commands again.
look, go, take, inventory = Memory.adventure.look, Memory.adventure.go, Memory.adventure.take, Memory.adventure.inventory
print(look())
print(inventory())
