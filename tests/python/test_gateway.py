"""`dicomscrub gateway` end to end, with DCMTK's storescu/storescp and a real Orthanc, all on
127.0.0.1 inside a private network namespace the tests create and remove."""
import json
import os
import signal
import subprocess
import time

import pytest

import gateway_support as gs
from conftest import DATA, EXE

GW_PORT, SINK_PORT, ORTHANC_DICOM, ORTHANC_HTTP = 11112, 11113, 4242, 8042


@pytest.fixture
def ns():
    missing = gs.missing_tools()
    if missing:
        pytest.skip(f"gateway tests need DCMTK tools and util-linux namespaces; missing: {missing}")
    n = gs.Namespace()
    yield n
    n.close()


def base_config(tmp_path, key, destinations, **extra):
    cfg = dict(listen=f"127.0.0.1:{GW_PORT}", ae_title="GW", allow_calling=["MOD@127.0.0.1"], key_file=key,
               spool=str(tmp_path / "spool"), workers=2, retry_initial_seconds=0.2, retry_max_seconds=1,
               study_quiet_seconds=1, destinations=destinations)
    cfg.update(extra)
    return gs.write_config(str(tmp_path / "gateway.json"), **cfg)


def sink(name="sink", port=SINK_PORT, **kw):
    return dict(name=name, address=f"SINK@127.0.0.1:{port}", **kw)


def start_gateway(ns, tmp_path, cfg):
    gw = gs.Gateway(ns, cfg, str(tmp_path / "gateway.log"))
    gs.wait_for(lambda: gs.echo_ok(ns, GW_PORT) or gw.proc.poll() is not None, 30, "the gateway to answer C-ECHO")
    assert gw.proc.poll() is None, open(tmp_path / "gateway.log").read()
    return gw


def received_uids(folder):
    return {f.split(".", 1)[1] for f in os.listdir(folder) if not f.startswith(".")}


def test_planted_study_reaches_storescp_and_orthanc_clean(ns, tmp_path, key, planted):
    inputs = gs.make_study(str(tmp_path / "study"), 6, planted) + [
        os.path.join(DATA, "phi", "Quixote_Zebulon", f) for f in ("CT_Zebulon_2.dcm", "MRN-88123456.dcm", "deflated.dcm")]
    expected = gs.expected_uids(inputs, key, str(tmp_path))
    scp = gs.Storescp(ns, str(tmp_path / "recv"), SINK_PORT)
    orthanc = gs.Orthanc(ns, str(tmp_path / "orthanc"), ORTHANC_DICOM, ORTHANC_HTTP)
    dests = [sink(), dict(name="orthanc", address=f"ORTHANC@127.0.0.1:{ORTHANC_DICOM}", associations=2),
             dict(name="web", kind="stowrs", url=f"http://127.0.0.1:{ORTHANC_HTTP}/dicom-web/studies")]
    gw = start_gateway(ns, tmp_path, base_config(tmp_path, key, dests))
    try:
        r = gs.storescu(ns, GW_PORT, inputs)
        assert r.returncode == 0, r.stderr
        n = len(expected)
        gs.wait_for(lambda: len(scp.files()) == n and len(orthanc.get("/instances") or []) == n
                    and sum(1 for e in gs.report_lines(str(tmp_path / "spool")) if e["event"] == "forwarded") == 3 * n,
                    60, "every destination to receive every instance")
        time.sleep(1.5)  # the study lines come once the study is quiet for 1 s
    finally:
        gw.stop()
        scp.stop()
    try:
        # storescp: the expected pseudonymized UIDs, and the data set bytes are exactly ours.
        assert received_uids(scp.folder) == set(expected)
        compared = 0
        for f in scp.files():
            data = open(f, "rb").read()
            assert gs.leaks(data, planted) == [], f
            ours = expected[f.split(".", 1)[1]]
            # Where storescu sent the file's own transfer syntax (it converts some, and storescp
            # inflates deflated data sets), what arrived is byte for byte what `deid` writes.
            if gs.syntax(f) == gs.syntax(ours):
                assert gs.dataset_bytes(f) == gs.dataset_bytes(ours)
                compared += 1
        assert compared >= 6
        # Orthanc: every stored file, fetched back, carries none of the planted values.
        for iid in orthanc.get("/instances"):
            data = orthanc.get(f"/instances/{iid}/file", raw=True)
            assert gs.leaks(data, planted) == [], iid
            tags = orthanc.get(f"/instances/{iid}/simplified-tags")
            assert tags["SOPInstanceUID"] in expected
    finally:
        orthanc.stop()
    events = gs.report_lines(str(tmp_path / "spool"))
    kinds = [e["event"] for e in events]
    assert kinds.count("received") == n
    assert {e["destination"] for e in events if e["event"] == "forwarded"} == {"sink", "orthanc", "web"}
    studies = [e for e in events if e["event"] == "study"]
    assert sum(e["forwarded"] for e in studies) == 3 * n and all(e["failed"] == 0 for e in studies)
    # No report line carries a planted value either.
    assert gs.leaks(open(tmp_path / "spool" / "reports.jsonl", "rb").read(), planted) == []
    st = gs.status(str(tmp_path / "spool"))
    assert st["running"] is False and st["received"] == n and st["destinations"]["sink"]["queued"] == 0
    # The identified spool is its owner's only, and nothing is left in it.
    assert os.stat(tmp_path / "spool").st_mode & 0o077 == 0
    assert [f for f in os.listdir(tmp_path / "spool" / "incoming") if f != "tmp"] == []


def test_kill_9_mid_transfer_then_restart_loses_and_duplicates_nothing(ns, tmp_path, key, planted):
    inputs = gs.make_study(str(tmp_path / "study"), 40, planted)
    expected = gs.expected_uids(inputs, key, str(tmp_path))
    scp = gs.Storescp(ns, str(tmp_path / "recv"), SINK_PORT)
    cfg = base_config(tmp_path, key, [sink()])
    spool = str(tmp_path / "spool")
    gw = start_gateway(ns, tmp_path, cfg)
    sender = ns.popen([gs.STORESCU, "-aet", "MOD", "-aec", "GW", "127.0.0.1", str(GW_PORT), *inputs],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gs.wait_for(lambda: sum(1 for e in gs.report_lines(spool) if e["event"] == "received") >= 12, 60, "a third received")
    gw.proc.send_signal(signal.SIGKILL)
    gw.proc.wait()
    sender.wait(timeout=60)
    assert sender.returncode != 0  # the association broke: the sender knows to send again
    # Restart: what was received is resumed from the spool; the sender sends the whole study again.
    gw = start_gateway(ns, tmp_path, cfg)
    try:
        r = gs.storescu(ns, GW_PORT, inputs)
        assert r.returncode == 0, r.stderr
        gs.wait_for(lambda: received_uids(scp.folder) == set(expected)
                    and (gs.status(spool) or {}).get("destinations", {}).get("sink", {}).get("queued") == 0
                    and not [f for f in os.listdir(os.path.join(spool, "incoming")) if f != "tmp"],
                    90, "every instance delivered after the restart")
    finally:
        gw.stop()
        scp.stop()
    # Nothing lost, nothing duplicated: exactly the expected instances, each once, byte-exact.
    assert sorted(received_uids(scp.folder)) == sorted(expected)
    assert len(scp.files()) == len(expected)
    for f in scp.files():
        assert gs.syntax(f) == gs.syntax(expected[f.split(".", 1)[1]])
        assert gs.dataset_bytes(f) == gs.dataset_bytes(expected[f.split(".", 1)[1]])
    assert os.listdir(os.path.join(spool, "incoming", "tmp")) == []


def test_destination_down_then_up_is_delivered(ns, tmp_path, key, planted):
    inputs = gs.make_study(str(tmp_path / "study"), 5, planted)
    expected = gs.expected_uids(inputs, key, str(tmp_path))
    spool = str(tmp_path / "spool")
    gw = start_gateway(ns, tmp_path, base_config(tmp_path, key, [sink()], max_attempts=2))
    scp = None
    try:
        assert gs.storescu(ns, GW_PORT, inputs).returncode == 0  # accepted while the destination is down
        gs.wait_for(lambda: ((gs.status(spool) or {}).get("destinations", {}).get("sink", {}).get("down") is True
                             and gs.status(spool)["destinations"]["sink"]["queued"] == 5), 30, "the queue to hold all 5")
        time.sleep(2)  # several failed rounds: a destination that is down does not use up attempts
        scp = gs.Storescp(ns, str(tmp_path / "recv"), SINK_PORT)
        gs.wait_for(lambda: received_uids(scp.folder) == set(expected), 30, "delivery once the destination is up")
    finally:
        gw.stop()
        if scp:
            scp.stop()
    kinds = [e["event"] for e in gs.report_lines(spool)]
    assert "destination_down" in kinds and "destination_up" in kinds
    assert os.listdir(os.path.join(spool, "dead", "sink")) == []


def test_access_control_refuses_at_association_time(ns, tmp_path, key):
    cfg = base_config(tmp_path, key, [sink()], allow_calling=["MOD@127.0.0.1", "ELSEWHERE@10.1.2.3"])
    gw = start_gateway(ns, tmp_path, cfg)
    sample = os.path.join(DATA, "ct_explicit_le.dcm")
    try:
        assert gs.echo_ok(ns, GW_PORT, aet="MOD")
        r = gs.storescu(ns, GW_PORT, [sample], aet="INTRUDER")
        assert r.returncode != 0 and "Calling AE Title Not Recognized" in r.stderr
        r = gs.storescu(ns, GW_PORT, [sample], aet="ELSEWHERE")  # allowed only from 10.1.2.3
        assert r.returncode != 0 and "Calling AE Title Not Recognized" in r.stderr
        r = gs.storescu(ns, GW_PORT, [sample], aec="NOTGW")
        assert r.returncode != 0 and "Called AE Title Not Recognized" in r.stderr
    finally:
        gw.stop()
    events = gs.report_lines(str(tmp_path / "spool"))
    refused = [e for e in events if e["event"] == "association_refused"]
    assert [e["calling_ae"] for e in refused] == ["INTRUDER", "ELSEWHERE", "MOD"]
    assert not [e for e in events if e["event"] == "received"]


def test_malformed_data_set_gets_failure_status_and_the_association_goes_on(ns, tmp_path, key):
    pynetdicom = pytest.importorskip("pynetdicom")
    good = os.path.join(DATA, "ct_explicit_le.dcm")
    # A valid data set with a last element whose value runs past the end: our reader refuses it.
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(open(good, "rb").read() + b"\xe1\x7f\x10\x00LO\x40\x00ZEBU")
    spool = str(tmp_path / "spool")
    gw = start_gateway(ns, tmp_path, base_config(tmp_path, key, [sink()]))
    script = f"""
import sys
from pynetdicom import AE, _config
from pydicom import dcmread
_config.STORE_SEND_CHUNKED_DATASET = True  # send the file's bytes as they are, not re-encoded
ae = AE(ae_title="MOD")
ds = dcmread({good!r})
ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
assoc = ae.associate("127.0.0.1", {GW_PORT}, ae_title="GW")
assert assoc.is_established
s1 = assoc.send_c_store({str(bad)!r})
s2 = assoc.send_c_store({good!r})
print(hex(s1.Status), hex(s2.Status), assoc.is_established)
assoc.release()
"""
    try:
        r = ns.run(["python3", "-c", script])
    finally:
        gw.stop()
    assert r.returncode == 0, r.stderr
    s1, s2, alive = r.stdout.split()
    assert int(s1, 16) & 0xF000 in (0xA000, 0xC000) and int(s2, 16) == 0 and alive == "True"
    events = gs.report_lines(spool)
    refused = [e for e in events if e["event"] == "refused"]
    assert len(refused) == 1 and "offset" in refused[0]["reason"]
    assert sum(1 for e in events if e["event"] == "received") == 1
    assert os.listdir(os.path.join(spool, "incoming", "tmp")) == []


def test_config_errors_name_line_and_column(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "spool": "/tmp/x",\n  "destinatons": []\n}\n')
    r = subprocess.run([EXE, "gateway", "--config", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and f"{bad}:3:3: /destinatons: unknown setting" in r.stderr, r.stderr
    bad.write_text('{\n  "spool": "/tmp/x",\n  "workers": "two"\n}\n')
    r = subprocess.run([EXE, "gateway", "--config", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and f"{bad}:3:" in r.stderr and "/workers: must be a number" in r.stderr, r.stderr
    bad.write_text('{\n  "spool": "/tmp/x",\n  "destinations": [ {"address": "X@h:1"},\n')
    r = subprocess.run([EXE, "gateway", "--config", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and "invalid JSON" in r.stderr and f"{bad}:4:" in r.stderr, r.stderr
    r = subprocess.run([EXE, "gateway", "--listen", "127.0.0.1:1", "--spool", str(tmp_path), "--forward", "nohost"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "AE@HOST:PORT" in r.stderr


def test_tls_both_sides_with_a_required_client_certificate(ns, tmp_path, key, planted):
    cert = gs.make_certificates(str(tmp_path / "pki"))
    inputs = gs.make_study(str(tmp_path / "study"), 3, planted)
    expected = gs.expected_uids(inputs, key, str(tmp_path))
    # The destination speaks TLS only and wants our client certificate.
    scp = gs.Storescp(ns, str(tmp_path / "recv"), SINK_PORT,
                      extra=["+tls", cert("server.key"), cert("server.crt"), "+cf", cert("ca.crt")])
    dest = sink(tls=dict(ca_file=cert("ca.crt"), certificate=cert("client.crt"), private_key=cert("client.key")))
    cfg = base_config(tmp_path, key, [dest], tls=dict(certificate=cert("server.crt"), private_key=cert("server.key"),
                                                       ca_file=cert("ca.crt"), require_client_certificate=True))
    gw = gs.Gateway(ns, cfg, str(tmp_path / "gateway.log"))
    tls_client = ["+tls", cert("client.key"), cert("client.crt"), "+cf", cert("ca.crt")]
    try:
        gs.wait_for(lambda: gs.echo_ok(ns, GW_PORT, extra=tls_client)
                    or gw.proc.poll() is not None, 30, "the gateway to listen")
        assert gw.proc.poll() is None, open(tmp_path / "gateway.log").read()
        r = gs.storescu(ns, GW_PORT, inputs, extra=tls_client)
        assert r.returncode == 0, r.stderr
        gs.wait_for(lambda: received_uids(scp.folder) == set(expected), 30, "delivery over TLS")
        # Plain TCP, and TLS without a client certificate, are both turned away.
        assert gs.storescu(ns, GW_PORT, inputs[:1]).returncode != 0
        r = gs.storescu(ns, GW_PORT, inputs[:1], extra=["+tla", "+cf", cert("ca.crt")])
        assert r.returncode != 0
    finally:
        gw.stop()
        scp.stop()
    assert sum(1 for e in gs.report_lines(str(tmp_path / "spool")) if e["event"] == "received") == 3


REFUSING_SCP = """
from pynetdicom import AE, evt, AllStoragePresentationContexts
ae = AE(ae_title="SINK")
ae.supported_contexts = AllStoragePresentationContexts
ae.start_server(("127.0.0.1", {port}), block=True, evt_handlers=[(evt.EVT_C_STORE, lambda event: 0xA700)])
"""


def test_withheld_go_to_quarantine_and_refused_ones_to_dead_letter(ns, tmp_path, key, burned_withheld):
    pytest.importorskip("pynetdicom")
    good = os.path.join(DATA, "ct_explicit_le.dcm")
    spool = tmp_path / "spool"
    # The destination answers every C-STORE with 0xA700 (out of resources).
    refusing = ns.popen(["python3", "-c", REFUSING_SCP.format(port=SINK_PORT)], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
    gw = start_gateway(ns, tmp_path, base_config(tmp_path, key, [sink()], max_attempts=3))
    try:
        assert gs.storescu(ns, GW_PORT, [good, burned_withheld]).returncode == 0
        gs.wait_for(lambda: any(e["event"] == "failed" for e in gs.report_lines(str(spool))), 60, "the dead letter")
    finally:
        gw.stop()
        gs.stop(refusing)
    events = gs.report_lines(str(spool))
    # The CT saying Burned In Annotation YES with no rule is withheld: quarantined with its reason,
    # never queued, never sent.
    withheld = [e for e in events if e["event"] == "withheld"]
    assert len(withheld) == 1 and withheld[0]["reason"]
    q = sorted(os.listdir(spool / "quarantine" / "sink"))
    assert len(q) == 2 and q[1] == q[0] + ".json"
    assert json.load(open(spool / "quarantine" / "sink" / q[1]))["reason"] == withheld[0]["reason"]
    assert sum(1 for e in events if e["event"] == "queued") == 1
    # The CT was refused three times (0xA700), then moved to dead/ with why; no more retries.
    retries = [e for e in events if e["event"] == "retry"]
    failed = [e for e in events if e["event"] == "failed"]
    assert [e["attempts"] for e in retries] == [1, 2] and failed[0]["attempts"] == 3
    assert "0xA700" in failed[0]["reason"]
    dead = sorted(os.listdir(spool / "dead" / "sink"))
    assert len(dead) == 2 and dead[0].endswith(".dcm") and dead[1] == dead[0] + ".json"
    assert gs.status(str(spool))["destinations"]["sink"]["queued"] == 0


def test_stow_rs_over_https(ns, tmp_path, key, planted):
    cert = gs.make_certificates(str(tmp_path / "pki"))
    inputs = gs.make_study(str(tmp_path / "study"), 3, planted)
    expected = gs.expected_uids(inputs, key, str(tmp_path))
    got = tmp_path / "stow"
    got.mkdir()
    receiver = ns.popen(["python3", "-c", gs.STOW_RECEIVER, str(got), str(ORTHANC_HTTP), cert("server.crt"),
                         cert("server.key")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dest = dict(name="web", kind="stowrs", url=f"https://127.0.0.1:{ORTHANC_HTTP}/dicom-web/studies",
                tls=dict(ca_file=cert("ca.crt")))
    gw = start_gateway(ns, tmp_path, base_config(tmp_path, key, [dest]))
    try:
        assert gs.storescu(ns, GW_PORT, inputs).returncode == 0
        gs.wait_for(lambda: len(os.listdir(got)) == 3, 60, "STOW-RS over HTTPS")
    finally:
        gw.stop()
        gs.stop(receiver)
    # Each part is the whole file our writer wrote (File Meta included), byte for byte.
    parts = {open(got / f, "rb").read() for f in os.listdir(got)}
    assert parts == {open(p, "rb").read() for p in expected.values()}
    assert all(gs.leaks(p, planted) == [] for p in parts)
