-- Argo CD health for AigcTemplate and AigcInstance, as DESIGN invariant 11 writes their status:
-- a spec the operator has not observed yet is Progressing; Stalled=True is Degraded (a human is
-- needed: invalid spec, unknown template, quota, persistent API errors); Ready=True is Healthy (a
-- Stopped instance that is stopped is Ready); anything else (Reconciling=True) is Progressing.
local hs = {}
local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then return c end
  end
  return nil
end
local function describe(c)
  local text = c.reason or ""
  if c.message ~= nil and c.message ~= "" then text = text .. ": " .. c.message end
  return text
end
if obj.status == nil or obj.status.observedGeneration == nil
    or obj.metadata.generation == nil or obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe generation " .. tostring(obj.metadata.generation)
  return hs
end
local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end
hs.status = "Progressing"
local reconciling = condition("Reconciling")
if reconciling ~= nil then hs.message = describe(reconciling) elseif ready ~= nil then hs.message = describe(ready) end
return hs
