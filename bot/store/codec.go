package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"polku/bot"
	"polku/bot/content"
)

// Sessions are stored in a small binary form rather than JSON: a Redis
// holding sessions for a whole country pays for every byte, and JSON's
// field names and quotes would double the size. The first byte is the
// format version, so the format can change without losing sessions.
//
//	version 1:
//	  byte     1
//	  uvarint  Updated (unix seconds)
//	  varint   Updated - Started
//	  string   Lang, Flow, Asking             (uvarint length + bytes)
//	  uvarint  number of answers, then each:
//	           string Step, uvarint len(Value)<<1 | Skip, Value bytes
//	  uvarint  number of picked values, then each a string
//	  byte     how Seen is written: 0 as strings, 1 as numbers
//	  uvarint  number of seen ids, then each:
//	           a string, or (numbers) uvarint for the first and then
//	           zig-zag varint differences from the previous id
//	  then, only when there are any, the preset answers: uvarint number,
//	  then each like an answer (written last so that sessions without
//	  them stay exactly as they were)
//	  then, only during a request to talk to a volunteer (after a preset
//	  count, 0 when there are none): string Stage, Case, Last, uvarint
//	  Since, uvarint number of left-out parts, then each a string
//
//	version 2: version 1 with the string Place after Asking. A session
//	without a Place is still written as version 1, so that its bytes (and
//	what an older replica can read) do not change.
//
// Update ids from Telegram and Discord are numbers, and one person's recent
// ids are close together, so the differences take a byte or three where
// the ids themselves take ten or twenty.
const (
	codecVersion      = 1
	codecVersionPlace = 2
)

// ErrCorrupt is returned for bytes that are not a stored session.
var ErrCorrupt = errors.New("not a stored session")

// maxField bounds a single string in a stored session; nothing the engine
// stores comes near it, so a larger length means corrupt bytes.
const maxField = 1 << 16

// EncodeSession returns the stored form of s.
func EncodeSession(s *bot.Session) []byte {
	b := make([]byte, 0, 64+24*len(s.Answers)+12*len(s.Seen))
	version := byte(codecVersion)
	if s.Place != "" {
		version = codecVersionPlace
	}
	b = append(b, version)
	b = binary.AppendUvarint(b, uint64(max(s.Updated, 0)))
	b = binary.AppendVarint(b, s.Updated-s.Started)
	b = appendString(b, s.Lang)
	b = appendString(b, s.Flow)
	b = appendString(b, s.Asking)
	if s.Place != "" {
		b = appendString(b, s.Place)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Answers)))
	b = appendAnswers(b, s.Answers)
	b = binary.AppendUvarint(b, uint64(len(s.Picked)))
	for _, p := range s.Picked {
		b = appendString(b, p)
	}
	if ids, ok := numbers(s.Seen); ok {
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(ids)))
		var prev uint64
		for i, id := range ids {
			if i == 0 {
				b = binary.AppendUvarint(b, id)
			} else {
				b = binary.AppendVarint(b, int64(id-prev))
			}
			prev = id
		}
	} else {
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(len(s.Seen)))
		for _, id := range s.Seen {
			b = appendString(b, id)
		}
	}
	if len(s.Preset) > 0 || s.Handoff != nil {
		b = binary.AppendUvarint(b, uint64(len(s.Preset)))
		b = appendAnswers(b, s.Preset)
	}
	if h := s.Handoff; h != nil {
		b = appendString(b, string(h.Stage))
		b = appendString(b, h.Case)
		b = appendString(b, h.Last)
		b = binary.AppendUvarint(b, uint64(max(h.Since, 0)))
		b = binary.AppendUvarint(b, uint64(len(h.Leave)))
		for _, l := range h.Leave {
			b = appendString(b, l)
		}
	}
	return b
}

func appendAnswers(b []byte, answers []content.Answer) []byte {
	for _, a := range answers {
		b = appendString(b, a.Step)
		skip := uint64(0)
		if a.Skip {
			skip = 1
		}
		b = binary.AppendUvarint(b, uint64(len(a.Value))<<1|skip)
		b = append(b, a.Value...)
	}
	return b
}

func (d *decoder) answers(n int) []content.Answer {
	out := make([]content.Answer, n)
	for i := range out {
		out[i].Step = d.string()
		v := d.uvarint()
		out[i].Skip = v&1 == 1
		out[i].Value = d.bytes(v >> 1)
	}
	return out
}

// numbers returns the ids as numbers when every one is a canonical decimal
// (no sign, no leading zero), so that writing them back gives the same text.
func numbers(ids []string) ([]uint64, bool) {
	if len(ids) == 0 {
		return nil, false
	}
	out := make([]uint64, len(ids))
	for i, id := range ids {
		// in base 10 ParseUint takes digits only: without a leading zero
		// the text is the number's canonical form
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil || id[0] == '0' && id != "0" {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// DecodeSession reads a stored session. It returns ErrCorrupt for anything
// EncodeSession did not write.
func DecodeSession(data []byte) (*bot.Session, error) {
	d := decoder{b: data}
	v := d.byte()
	if v != codecVersion && v != codecVersionPlace {
		return nil, fmt.Errorf("%w: format version %d", ErrCorrupt, v)
	}
	s := &bot.Session{}
	updated := d.uvarint()
	s.Updated = int64(updated)
	s.Started = s.Updated - d.varint()
	s.Lang = d.string()
	s.Flow = d.string()
	s.Asking = d.string()
	if v == codecVersionPlace {
		if s.Place = d.string(); s.Place == "" {
			d.err = true // version 2 is written only with a place
		}
	}
	if n := d.count(); n > 0 {
		s.Answers = d.answers(n)
	}
	if n := d.count(); n > 0 {
		s.Picked = make([]string, n)
		for i := range s.Picked {
			s.Picked[i] = d.string()
		}
	}
	mode := d.byte()
	if n := d.count(); n > 0 {
		s.Seen = make([]string, n)
		var prev uint64
		for i := range s.Seen {
			switch mode {
			case 0:
				s.Seen[i] = d.string()
			case 1:
				if i == 0 {
					prev = d.uvarint()
				} else {
					prev += uint64(d.varint())
				}
				s.Seen[i] = strconv.FormatUint(prev, 10)
			default:
				d.err = true
			}
		}
	}
	if len(d.b) > 0 && !d.err {
		if n := d.count(); n > 0 {
			s.Preset = d.answers(n)
		} else if len(d.b) == 0 {
			d.err = true // a count of 0 is written only before a handoff
		}
	}
	if len(d.b) > 0 && !d.err {
		h := &bot.HandoffState{Stage: bot.HandoffStage(d.string()), Case: d.string(), Last: d.string()}
		h.Since = int64(d.uvarint())
		if n := d.count(); n > 0 {
			h.Leave = make([]string, n)
			for i := range h.Leave {
				h.Leave[i] = d.string()
			}
		}
		if h.Stage == "" {
			d.err = true
		}
		s.Handoff = h
	}
	if d.err || len(d.b) != 0 || updated > 1<<62 {
		return nil, ErrCorrupt
	}
	return s, nil
}

// decoder reads the stored form; the first problem sets err and every read
// after it returns zero values.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if d.err || len(d.b) == 0 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a number of items, each of which takes at least one byte.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(n uint64) string {
	if d.err || n > maxField || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) string() string { return d.bytes(d.uvarint()) }
