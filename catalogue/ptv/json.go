package ptv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Error is a problem in one input file, at a JSON path.
type Error struct {
	File string
	Path string // $, $.serviceNames[2].language, $.itemList[0].id, …
	Msg  string // what is wrong, and when it helps, " — " and how to fix it
}

func (e *Error) Error() string { return e.File + ": " + e.Path + ": " + e.Msg }

// Errors is every problem of one run, in the order found.
type Errors []error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for no errors, so that no typed nil escapes.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

type jsonKind uint8

const (
	jNull jsonKind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

var kindNames = [...]string{jNull: "null", jBool: "true or false", jNumber: "a number", jString: "a string", jArray: "an array", jObject: "an object"}

// node is one JSON value with the path that reaches it. The decoder keeps
// paths rather than offsets: the API sends a page on one line, where
// "column 48213" helps nobody, but $.itemList[31].areas[0] does.
type node struct {
	kind  jsonKind
	path  string
	str   string // a string, or a number's text
	b     bool
	items []*node
	keys  []string
	vals  []*node
}

// maxDepth bounds nesting: PTV's deepest value is about eight levels down,
// and a hostile file must not make the reader recurse without end.
const maxDepth = 64

// parseJSON reads one JSON document. Syntax errors name the path of the
// value being read when the text broke off.
func parseJSON(file string, data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonParser{file: file, data: data, dec: dec}
	n, err := p.value("$", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, p.syntax("$", errors.New("more after the end of the JSON value"))
	}
	return n, nil
}

type jsonParser struct {
	file string
	data []byte
	dec  *json.Decoder
}

func (p *jsonParser) syntax(path string, err error) error {
	if err == io.EOF {
		if len(bytes.TrimSpace(p.data)) == 0 {
			return &Error{File: p.file, Path: path, Msg: "the file is empty — save a response of the PTV Open API (…/api/v11/Service/{id}) in it"}
		}
		err = io.ErrUnexpectedEOF
	}
	off := p.dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	line, col := lineCol(p.data, off)
	msg := err.Error()
	if err == io.ErrUnexpectedEOF {
		msg = "the file ends in the middle of a value"
	}
	return &Error{File: p.file, Path: path, Msg: fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, msg)}
}

func lineCol(data []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return line, col
}

func (p *jsonParser) value(path string, depth int) (*node, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(path, err)
	}
	return p.fromToken(tok, path, depth)
}

func (p *jsonParser) fromToken(tok json.Token, path string, depth int) (*node, error) {
	n := &node{path: path}
	switch t := tok.(type) {
	case nil:
		n.kind = jNull
	case bool:
		n.kind, n.b = jBool, t
	case json.Number:
		n.kind, n.str = jNumber, string(t)
	case string:
		n.kind, n.str = jString, t
	case json.Delim:
		if depth >= maxDepth {
			return nil, &Error{File: p.file, Path: path, Msg: fmt.Sprintf("nested more than %d levels deep; PTV's objects are not", maxDepth)}
		}
		if t == '[' {
			n.kind = jArray
			for p.dec.More() {
				item, err := p.value(path+"["+strconv.Itoa(len(n.items))+"]", depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, item)
			}
		} else {
			n.kind = jObject
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(path, err)
				}
				key, _ := kt.(string)
				v, err := p.value(path+"."+key, depth+1)
				if err != nil {
					return nil, err
				}
				if i := indexOf(n.keys, key); i >= 0 {
					n.vals[i] = v // the last of a repeated key, as encoding/json does
					continue
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing ] or }
			return nil, p.syntax(path, err)
		}
	}
	return n, nil
}

func indexOf(keys []string, k string) int {
	for i, key := range keys {
		if key == k {
			return i
		}
	}
	return -1
}

// has reports whether an object has a key, even with a null value.
func (n *node) has(key string) bool {
	return n != nil && n.kind == jObject && indexOf(n.keys, key) >= 0
}

// get is a key's value; nil when it is missing or null, which PTV sends
// for many empty fields.
func (n *node) get(key string) *node {
	if n == nil || n.kind != jObject {
		return nil
	}
	if i := indexOf(n.keys, key); i >= 0 && n.vals[i].kind != jNull {
		return n.vals[i]
	}
	return nil
}

// dec reads typed values out of nodes, collecting every type error of a
// file instead of stopping at the first.
type dec struct {
	file string
	errs Errors
}

func (d *dec) errorf(n *node, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Path: n.path, Msg: fmt.Sprintf(format, args...)})
}

func (d *dec) expect(n *node, want jsonKind) bool {
	if n == nil {
		return false
	}
	if n.kind != want {
		d.errorf(n, "expected %s, found %s", kindNames[want], kindNames[n.kind])
		return false
	}
	return true
}

// str is a string field; "" when missing or null.
func (d *dec) str(obj *node, key string) string {
	n := obj.get(key)
	if !d.expect(n, jString) {
		return ""
	}
	return n.str
}

func (d *dec) boolean(obj *node, key string) bool {
	n := obj.get(key)
	if !d.expect(n, jBool) {
		return false
	}
	return n.b
}

// list is an array field's items; none when missing or null (PTV leaves
// some arrays uninitialised).
func (d *dec) list(obj *node, key string) []*node {
	n := obj.get(key)
	if !d.expect(n, jArray) {
		return nil
	}
	return n.items
}

// objects is an array field's items that are objects.
func (d *dec) objects(obj *node, key string) []*node {
	var out []*node
	for _, it := range d.list(obj, key) {
		if it.kind == jNull {
			continue
		}
		if d.expect(it, jObject) {
			out = append(out, it)
		}
	}
	return out
}

func (d *dec) object(obj *node, key string) *node {
	n := obj.get(key)
	if !d.expect(n, jObject) {
		return nil
	}
	return n
}

func (d *dec) strings(obj *node, key string) []string {
	var out []string
	for _, it := range d.list(obj, key) {
		if d.expect(it, jString) {
			out = append(out, it.str)
		}
	}
	return out
}
