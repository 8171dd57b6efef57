// go-host: stream one answer from a model-provider plugin and print it,
// from Go with cgo and the header alone (abi/model_provider.h, ABI 1.1).
//
//	go-host [--config JSON] [--client-args JSON] PLUGIN.so PROMPT
//
// Events arrive as Strands StreamEvent JSON lines (stream_json), the text is
// printed as it comes, and the plugin's accumulator gives the stop reason
// and usage at the end.  Errors come back as JSON (error_to_json) from a
// plain 4096-byte buffer, so Go mirrors no struct of the header.  The API
// key comes from the environment, read by the plugin itself.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../abi
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// errorBuffer is an mp_error as an FFI host may pass it (MP_HOST_8): zeroed
// bytes with their count in the first four.
type errorBuffer struct{ p unsafe.Pointer }

func newErrorBuffer() errorBuffer {
	p := C.calloc(4096, 1)
	binary.LittleEndian.PutUint32(unsafe.Slice((*byte)(p), 4), 4096)
	return errorBuffer{p}
}

func (e errorBuffer) free() { C.free(e.p) }

// The state of one call, reached from the callbacks through a cgo.Handle.
type call struct {
	out     *bufio.Writer
	printed bool
	text    []byte // what a text callback wrote
	stop    string
	panic   interface{}
}

type streamEvent struct {
	ContentBlockDelta *struct {
		Delta struct {
			Text *string `json:"text"`
		} `json:"delta"`
	} `json:"contentBlockDelta"`
}

//export goLine
func goLine(handle C.uintptr_t, line *C.char, n C.size_t, flags C.uint32_t) (rc C.int) {
	c := cgo.Handle(handle).Value().(*call)
	// A Go panic must not unwind through the plugin (MP_HOST_9): stop the
	// stream instead, and report it when the call has returned.
	defer func() {
		if r := recover(); r != nil {
			c.panic, rc = r, 1
		}
	}()
	var ev streamEvent
	if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(line), C.int(n)), &ev); err != nil {
		panic(fmt.Sprintf("the plugin sent a line that is not JSON: %v", err))
	}
	if d := ev.ContentBlockDelta; d != nil && d.Delta.Text != nil {
		c.out.WriteString(*d.Delta.Text)
		c.printed = c.printed || len(*d.Delta.Text) > 0
	}
	if flags&1 != 0 { // MP_EVENT_FLAG_BATCH_END: the bytes at hand are used up
		c.out.Flush()
	}
	return 0
}

//export goText
func goText(handle C.uintptr_t, data *C.char, n C.size_t) C.int {
	c := cgo.Handle(handle).Value().(*call)
	c.text = append(c.text, C.GoBytes(unsafe.Pointer(data), C.int(n))...)
	return 0
}

type plugin struct {
	p    *C.mp_provider_v1
	inst *C.mp_instance
}

// failure renders a failed call's error buffer: "MP_E_...: message".
func (pl plugin) failure(rc C.int, e errorBuffer) error {
	c := &call{}
	h := cgo.NewHandle(c)
	defer h.Delete()
	var doc struct{ Name, Message string }
	if C.shim_error_to_json(pl.p, e.p, C.uintptr_t(h)) != 0 || json.Unmarshal(c.text, &doc) != nil {
		return fmt.Errorf("%s", C.GoString(C.shim_errname(pl.p, rc)))
	}
	return fmt.Errorf("%s: %s", doc.Name, doc.Message)
}

// logRequest follows the convention of every host in this tree: with
// $MP_REQUEST_LOG naming a directory, the request and the call's status go
// to DIR/go-PID.jsonl, which the tests check against abi/request.schema.json.
func logRequest(req []byte, rc C.int) {
	dir := os.Getenv("MP_REQUEST_LOG")
	if dir == "" {
		return
	}
	line, _ := json.Marshal(map[string]interface{}{"rc": int(rc), "request": string(req)})
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("go-%d.jsonl", os.Getpid())),
		os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		f.Write(append(line, '\n'))
		f.Close()
	}
}

func run(path, config, clientArgs, prompt string) error {
	// Callbacks run on the OS thread that called the plugin (MP_PLUGIN_10).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var why [512]C.char
	minor := C.uint32_t(C.MP_ABI_MINOR)
	p := C.shim_load(cpath, &minor, &why[0], C.size_t(len(why)))
	if p == nil {
		return fmt.Errorf("%s", C.GoString(&why[0]))
	}
	if minor < 1 {
		return fmt.Errorf("%s speaks ABI 1.%d; this host needs 1.1 (stream_json)", path, minor)
	}
	pl := plugin{p: p}
	e := newErrorBuffer()
	defer e.free()
	if rc := C.shim_init(p, e.p); rc != 0 {
		return pl.failure(rc, e)
	}
	defer C.shim_deinit(p)

	ccfg, cargs := C.CString(config), C.CString(clientArgs)
	defer C.free(unsafe.Pointer(ccfg))
	defer C.free(unsafe.Pointer(cargs))
	if rc := C.shim_create(p, ccfg, cargs, &pl.inst, e.p); rc != 0 {
		return pl.failure(rc, e)
	}
	defer C.shim_destroy(p, pl.inst)

	req, _ := json.Marshal(map[string]interface{}{
		"messages": []interface{}{map[string]interface{}{
			"role": "user", "content": []interface{}{map[string]string{"text": prompt}}}}})
	creq := C.CBytes(req)
	defer C.free(creq)

	var acc *C.mp_accumulator
	if rc := C.shim_accumulator_create(p, &acc); rc != 0 {
		return pl.failure(rc, e)
	}
	defer C.shim_accumulator_destroy(p, acc)

	out := bufio.NewWriter(os.Stdout)
	c := &call{out: out}
	h := cgo.NewHandle(c)
	defer h.Delete()
	rc := C.shim_stream_json(p, pl.inst, (*C.char)(creq), C.size_t(len(req)), C.uintptr_t(h), acc, e.p)
	logRequest(req, rc)
	if c.printed {
		out.WriteString("\n")
	}
	out.Flush()
	if c.panic != nil {
		return fmt.Errorf("stopped: %v", c.panic)
	}
	if rc != 0 {
		return pl.failure(rc, e)
	}

	c.text = nil
	if C.shim_accumulator_result(p, acc, C.uintptr_t(h)) == 0 {
		var result struct {
			StopReason string `json:"stopReason"`
			Usage      struct{ InputTokens, OutputTokens int64 }
		}
		if json.Unmarshal(c.text, &result) == nil {
			fmt.Fprintf(os.Stderr, "[%s; %d tokens in, %d out]\n", result.StopReason,
				result.Usage.InputTokens, result.Usage.OutputTokens)
		}
	}
	return nil
}

func main() {
	config := flag.String("config", `{"model_id":"gpt-4o-mini"}`, "the provider config (JSON)")
	clientArgs := flag.String("client-args", "{}", "client args (JSON; keys come from the environment)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go-host [--config JSON] [--client-args JSON] PLUGIN.so PROMPT")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *config, *clientArgs, flag.Arg(1)); err != nil {
		fmt.Fprintf(os.Stderr, "go-host: %v\n", err)
		os.Exit(1)
	}
}
