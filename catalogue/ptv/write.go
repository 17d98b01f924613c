package ptv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// rename is os.Rename; tests make it fail.
var rename = os.Rename

// Write writes the changed files into dir, all or none: each goes to a
// temporary file in dir first, and only when every one is written are
// they renamed into place. Should a rename fail, the files already renamed
// get their old contents back.
func (r *Result) Write(dir string) (err error) {
	if len(r.Changed) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	temps := map[string]string{}
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, name := range r.Changed {
		t, err := writeTemp(dir, r.Files[name])
		if err != nil {
			return err
		}
		temps[name] = t
	}
	olds := map[string][]byte{}
	var done []string
	for _, name := range r.Changed {
		target := filepath.Join(dir, name)
		old, rerr := os.ReadFile(target)
		if rerr == nil {
			olds[name] = old
		} else if !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
		if err == nil {
			err = rename(temps[name], target)
		}
		if err != nil {
			return errors.Join(fmt.Errorf("write %s: %w", target, err), r.undo(dir, done, olds))
		}
		delete(temps, name)
		done = append(done, name)
	}
	return nil
}

// undo puts back what the files renamed so far replaced.
func (r *Result) undo(dir string, done []string, olds map[string][]byte) error {
	var errs []error
	for _, name := range done {
		target := filepath.Join(dir, name)
		old, ok := olds[name]
		if !ok {
			if err := os.Remove(target); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		t, err := writeTemp(dir, old)
		if err == nil {
			err = os.Rename(t, target)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("could not restore %s: %w", target, err))
		}
	}
	return errors.Join(errs...)
}

func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".polku-import-*.tmp")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
