-- The Ardour side of scripts/daw-check.sh, run by `ardour7-lua session.lua MODE DIR NAME CTL`
-- (Ardour 7's headless Lua session tool, "None (Dummy)" backend: it runs in real time).
--
--   setup   creates the session DIR (snapshot NAME, 48 kHz): four audio tracks named like
--           real stems, a Stem Strip on each with its Role, a Stem Master on the master bus;
--           saves and closes. (daw-check.sh then puts the demo stems on the tracks by
--           editing the session file, as the Lua API of Ardour 7 cannot import audio.)
--   play    loads it, arms the Master's Learn, rolls from the start in real time until
--           daw-check.sh says stop (it reads `stems link status` meanwhile), stops (the
--           Master learns its gain; a snapshot "learned" keeps the session as it is then),
--           switches Learn off, moves one Strip parameter, saves, exports the session range
--           to CTL/export.wav and closes.
--   reload  loads the saved session, prints every setting it checks, rolls a few seconds so
--           the link shows the reloaded Master and Strips, saves a second snapshot
--           ("reloaded", for the plugins' saved state), exports CTL/export-reloaded.wav and
--           closes.
--
-- Talks to daw-check.sh through files in CTL: it writes `marker-<step>` when a step is done
-- (and prints `@@ <step>`), and waits for `go-<step>` files the shell writes. Every wait is
-- bounded. Values for the shell are printed as `@@ value <key> <value>` lines.

local mode, dir, name, ctl = arg[1], arg[2], arg[3], arg[4]
assert(mode and dir and name and ctl, "usage: session.lua setup|play|reload DIR NAME CTL")

-- Tracks: name, Stem Strip role (the Role parameter's plain value: its index among Drums,
-- Bass, Music, Lead Vocal, Backing Vocals, FX, Other), track colour (RGBA, as Ardour keeps
-- it; the Strips publish it on the link as #rrggbb).
local TRACKS = {
	{ "Drums", 0, 0xd9534fff },
	{ "Bass", 1, 0x337ab7ff },
	{ "Keys Pad", 2, 0x5cb85cff },
	{ "Lead Vox", 3, 0xf0ad4eff },
}
-- The Strip parameter the play pass moves, on which track, and to what.
local MOVED_TRACK, MOVED_PARAM, MOVED_VALUE = "Keys Pad", "Output", -2.5
-- The export format (scripts/daw-check/export/daw-check.preset: 32-bit float WAV at the
-- session rate, no dither, no normalisation).
local EXPORT_PRESET = "5d1c2a0e-7f7b-4c55-9a51-3d2f6a1c0b01"

local function flush() io.stdout:flush() end

-- DAW_CHECK_CRASH_AT=MODE:STEP makes this run crash (SIGSEGV) right after STEP, to test how
-- daw-check.sh reports a crash of ardour7-lua.
local crash_at = os.getenv("DAW_CHECK_CRASH_AT")

local function mark(step, text)
	local f = assert(io.open(ctl .. "/marker-" .. step, "w"))
	f:write(text or "")
	f:close()
	print("@@ " .. step .. (text and (" " .. text) or ""))
	flush()
	if crash_at == mode .. ":" .. step then
		print("@@ crashing on purpose (DAW_CHECK_CRASH_AT=" .. crash_at .. ")")
		flush()
		ARDOUR.LuaAPI.segfault()
	end
end

local function value(key, v)
	-- Keys without spaces (track names have them), so the shell can split the line.
	print(string.format("@@ value %s %s", (key:gsub(" ", "_")), tostring(v)))
	flush()
end

local function exists(path)
	local f = io.open(path, "r")
	if f then f:close() return true end
	return false
end

-- Waits for CTL/go-<step> (written by daw-check.sh) at most `limit` seconds; returns its
-- contents (false on time-out).
local function wait_go(step, limit)
	local path = ctl .. "/go-" .. step
	local t = 0
	while t < limit do
		if exists(path) then
			local f = io.open(path, "r")
			local s = (f:read("*a") or ""):gsub("%s+$", "")
			f:close()
			return s
		end
		sleep(0.1)
		t = t + 0.1
	end
	return false
end

local function fail(msg)
	mark("error", msg)
	error(msg)
end

-- The index of the input parameter labelled `label` of a plugin insert's plugin.
local function param_index(proc, label)
	local plugin = proc:to_insert():plugin(0)
	for i = 0, plugin:parameter_count() - 1 do
		if plugin:parameter_is_input(i) and plugin:parameter_label(i) == label then
			return i
		end
	end
	fail("no parameter labelled '" .. label .. "' on " .. plugin:name())
end

local function get_param(proc, label)
	local v, _ = ARDOUR.LuaAPI.get_processor_param(proc, param_index(proc, label), true)
	return v
end

local function set_param(proc, label, v)
	if not ARDOUR.LuaAPI.set_processor_param(proc, param_index(proc, label), v) then
		fail("cannot set '" .. label .. "' to " .. v)
	end
end

-- The first processor of `route` that is a plugin named `plugin_name`.
local function find_plugin(route, plugin_name)
	local i = 0
	while true do
		local proc = route:nth_plugin(i)
		if proc:isnil() then return nil end
		local pi = proc:to_insert()
		if not pi:isnil() and pi:plugin(0):name() == plugin_name then return proc end
		i = i + 1
	end
end

local function strips(session)
	local out = {}
	for _, t in ipairs(TRACKS) do
		local route = session:route_by_name(t[1])
		if route:isnil() then fail("no track '" .. t[1] .. "' in the session") end
		local proc = find_plugin(route, "Stem Strip")
		if not proc then fail("no Stem Strip on track '" .. t[1] .. "'") end
		out[#out + 1] = { name = t[1], role = t[2], proc = proc }
	end
	return out
end

local function master_plugin(session)
	local proc = find_plugin(session:master_out(), "Stem Master")
	if not proc then fail("no Stem Master on the master bus") end
	return proc
end

-- Every setting the check compares after the reload, as `@@ value` lines.
local function print_settings(session, prefix)
	for _, s in ipairs(strips(session)) do
		value(prefix .. ".role." .. s.name, get_param(s.proc, "Role"))
	end
	local moved = find_plugin(session:route_by_name(MOVED_TRACK), "Stem Strip")
	value(prefix .. ".moved", get_param(moved, MOVED_PARAM))
	local m = master_plugin(session)
	value(prefix .. ".master.target", get_param(m, "Target"))
	value(prefix .. ".master.learn", get_param(m, "Learn"))
end

local function roll(session)
	session:request_locate(0, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
	sleep(0.5)
	session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	local t = 0
	while not session:transport_rolling() and t < 10 do
		sleep(0.1)
		t = t + 0.1
	end
	if not session:transport_rolling() then fail("the transport did not start rolling") end
end

local function stop(session)
	session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	local t = 0
	while session:transport_rolling() and t < 10 do
		sleep(0.1)
		t = t + 0.1
	end
	if session:transport_rolling() then fail("the transport did not stop") end
end

local function save(session, snapshot)
	-- save_state (snapshot_name, pending, switch_to_snapshot, template_only, for_archive, only_used_assets)
	local rv = session:save_state(snapshot, false, false, false, false, false)
	if rv ~= 0 then fail("save_state('" .. snapshot .. "') returned " .. tostring(rv)) end
end

local function export(session, file_name)
	-- Ardour 7.3 quirk: an export right after load_session() renders silence (the tracks'
	-- disk buffers are not filled yet); a locate with the transport stopped refills them.
	session:request_locate(0, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
	sleep(1)
	local e = session:simple_export()
	if not e:set_preset(EXPORT_PRESET) then
		fail("the export preset " .. EXPORT_PRESET .. " was not found (ARDOUR_EXPORT_FORMATS_PATH)")
	end
	e:set_name(file_name)
	e:set_folder(ctl)
	if not e:check_outputs() then fail("the export has no master-bus output") end
	local t0 = os.time()
	if not e:run_export() then fail("the export of " .. file_name .. " failed") end
	value("export_seconds." .. file_name, os.time() - t0)
end

------------------------------------------------------------------------------------------

-- Opens the saved session and logs its settings under `label`.
local function open_session(label)
	local s = load_session(dir, name)
	if not s then fail("load_session(" .. dir .. ") failed") end
	mark("loaded")
	print_settings(s, label)
	return s
end

-- Saves (`snapshot`, "" for the session itself), exports to `file_name` and closes.
local function save_export_close(s, snapshot, file_name)
	save(s, snapshot)
	mark("saved")
	export(s, file_name)
	mark("exported")
	close_session()
	mark("closed")
end

if mode == "setup" then
	local s = create_session(dir, name, 48000)
	if not s then fail("create_session(" .. dir .. ") failed") end
	mark("created")
	for _, t in ipairs(TRACKS) do
		-- new_audio_track (inputs, outputs, group, how many, name, order, mode,
		-- input_auto_connect, trigger_visibility): no input connection, so the Dummy
		-- backend's test inputs never reach a track.
		local tl = s:new_audio_track(2, 2, nil, 1, t[1], ARDOUR.PresentationInfo.max_order,
			ARDOUR.TrackMode.Normal, false, false)
		if tl:size() ~= 1 then fail("could not add the track " .. t[1]) end
		local track = tl:front()
		if track:name() ~= t[1] then fail("the track came out as '" .. track:name() .. "', not '" .. t[1] .. "'") end
		track:presentation_info_ptr():set_color(t[3])
		-- Its outputs to the master bus's inputs, explicitly: headless, Ardour's auto-connect
		-- (a thread of its own) had not run before the session was saved.
		local out, master_in = track:output(), s:master_out():input()
		out:disconnect_all(nil)
		for c = 0, 1 do
			if out:connect(out:audio(c), master_in:audio(c):name(), nil) ~= 0 then
				fail("cannot connect " .. t[1] .. " to the master bus")
			end
		end
		local proc = ARDOUR.LuaAPI.new_plugin(s, "Stem Strip", ARDOUR.PluginType.VST3, "")
		if proc:isnil() then fail("Ardour found no VST3 'Stem Strip' (was the bundle scanned?)") end
		if track:add_processor_by_index(proc, 0, nil, true) ~= 0 then fail("cannot add the Strip to " .. t[1]) end
		set_param(proc, "Role", t[2])
	end
	local master = ARDOUR.LuaAPI.new_plugin(s, "Stem Master", ARDOUR.PluginType.VST3, "")
	if master:isnil() then fail("Ardour found no VST3 'Stem Master' (was the bundle scanned?)") end
	if s:master_out():add_processor_by_index(master, 0, nil, true) ~= 0 then fail("cannot add the Master to the master bus") end
	sleep(1) -- let the plugins' link threads run once (the Master draws its group)
	print_settings(s, "setup")
	save(s, "")
	mark("saved")
	close_session()
	mark("closed")

elseif mode == "play" then
	local s = open_session("loaded")
	local master = master_plugin(s)
	set_param(master, "Learn", 1)
	roll(s)
	mark("rolling")
	local go = wait_go("stop", tonumber(arg[5] or "40"))
	value("stop_reason", go and go ~= "" and go or "time-out")
	stop(s)
	-- The Master sets the learned gain on the first block after the stop. A snapshot of
	-- the session now ("learned") holds that gain, to compare with the one saved after
	-- Learn is switched off.
	sleep(1.5)
	save(s, "learned")
	mark("learned")
	sleep(1.5)
	set_param(master, "Learn", 0)
	local moved = find_plugin(s:route_by_name(MOVED_TRACK), "Stem Strip")
	set_param(moved, MOVED_PARAM, MOVED_VALUE)
	sleep(0.5)
	mark("stopped")
	print_settings(s, "played")
	save_export_close(s, "", "export")

elseif mode == "reload" then
	local s = open_session("reloaded")
	roll(s)
	mark("rolling")
	wait_go("stop", tonumber(arg[5] or "20"))
	stop(s)
	mark("stopped")
	save_export_close(s, "reloaded", "export-reloaded")

else
	fail("unknown mode " .. mode)
end
mark("done")
