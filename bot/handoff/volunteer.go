package handoff

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

// volunteerError turns a script's refusal into the error for the caller;
// nil when the script went ahead.
func volunteerError(res []any) error {
	switch str(res, 0) {
	case "closed":
		return ErrClosed
	case "waiting":
		return ErrNotClaimed
	case "taken":
		return &TakenError{Volunteer: str(res, 1)}
	}
	return nil
}

// Claim gives the case to volunteer, atomically: of volunteers claiming at
// once one wins and the others get a *TakenError (ErrTaken) naming them.
// The person is told (a HandoffClaimed event). Claiming again a case one
// already has succeeds, and finishes the job after a failure. It returns
// ErrClosed for a closed or unknown case. A case the person was told
// nobody took (HandoffNobody) can still be claimed.
func (d *Desk) Claim(ctx context.Context, caseID, volunteer string) (CaseInfo, error) {
	if err := checkID("case", caseID); err != nil {
		return CaseInfo{}, err
	}
	if err := checkID("volunteer", volunteer); err != nil {
		return CaseInfo{}, err
	}
	res, err := d.run(ctx, claimScript, caseID, volunteer)
	if err != nil {
		return CaseInfo{}, fmt.Errorf("claim case: %w", err)
	}
	if err := volunteerError(res); err != nil {
		return CaseInfo{}, err
	}
	if str(res, 0) == "emit" {
		err := d.emit(ctx, caseID, "claimed", "p", str(res, 1), []any{"kind", string(bot.HandoffClaimed)}, func(p redis.Pipeliner) {
			p.ZRem(ctx, d.waitingKey(), caseID)
		})
		if err != nil {
			return CaseInfo{}, fmt.Errorf("claim case: %w", err)
		}
		d.log.Info("handoff case claimed", "case", caseID)
	}
	return d.Get(ctx, caseID)
}

// Say passes what volunteer wrote to the person (a HandoffMessage). id
// identifies the message (the Discord message id), so saying it again
// after a failure sends nothing twice. It returns ErrNotClaimed before a
// volunteer claimed the case, a *TakenError (ErrTaken) when another
// volunteer has it, and ErrClosed once it is closed.
func (d *Desk) Say(ctx context.Context, caseID, volunteer, id, text string) error {
	if err := checkID("case", caseID); err != nil {
		return err
	}
	if err := checkID("volunteer", volunteer); err != nil {
		return err
	}
	if err := checkID("message", id); err != nil {
		return err
	}
	ev := "s:" + id
	res, err := d.run(ctx, sayScript, caseID, volunteer, ev, text)
	if err != nil {
		return fmt.Errorf("say: %w", err)
	}
	if err := volunteerError(res); err != nil {
		return err
	}
	if str(res, 0) != "emit" {
		return nil
	}
	thread := str(res, 2)
	err = d.emit(ctx, caseID, ev, "p", str(res, 1), []any{"kind", string(bot.HandoffMessage)}, func(p redis.Pipeliner) {
		if thread != "" {
			p.PExpire(ctx, d.threadKey(thread), d.retention)
		}
	})
	if err != nil {
		return fmt.Errorf("say: %w", err)
	}
	d.log.Debug("handoff message relayed to person", "case", caseID, "message", id)
	return nil
}

// End closes the case from the volunteer's side and tells the person (a
// HandoffEnded). Ending it again is not an error. It returns ErrNotClaimed
// for a case nobody claimed, a *TakenError when another volunteer has it,
// and ErrClosed when the person (or nobody: an unknown case) closed it.
// The volunteers get no DeskEvent for it: whoever called End knows.
func (d *Desk) End(ctx context.Context, caseID, volunteer string) error {
	if err := checkID("case", caseID); err != nil {
		return err
	}
	if err := checkID("volunteer", volunteer); err != nil {
		return err
	}
	res, err := d.run(ctx, endScript, caseID, volunteer)
	if err != nil {
		return fmt.Errorf("end case: %w", err)
	}
	if err := volunteerError(res); err != nil {
		return err
	}
	if str(res, 0) != "emit" {
		return nil
	}
	if err := d.emit(ctx, caseID, "ended", "p", str(res, 1), []any{"kind", string(bot.HandoffEnded)}, nil); err != nil {
		return fmt.Errorf("end case: %w", err)
	}
	d.log.Info("handoff case ended by volunteer", "case", caseID)
	return nil
}

// AttachThread notes the volunteers' thread of a case, so CaseByThread
// finds the case from a message in the thread. Attaching another thread
// replaces the first. It returns ErrClosed for an unknown or forgotten
// case (a closed one may still get its thread).
func (d *Desk) AttachThread(ctx context.Context, caseID, thread string) error {
	if err := checkID("case", caseID); err != nil {
		return err
	}
	if err := checkID("thread", thread); err != nil {
		return err
	}
	res, err := d.run(ctx, attachScript, caseID, thread)
	if err != nil {
		return fmt.Errorf("attach thread: %w", err)
	}
	if str(res, 0) == "closed" {
		return ErrClosed
	}
	_, err = d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		if old := str(res, 1); old != "" && old != thread {
			p.Del(ctx, d.threadKey(old))
		}
		p.Set(ctx, d.threadKey(thread), caseID, d.retention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("attach thread: %w", err)
	}
	return nil
}

// CaseByThread returns the case attached to thread. It returns ErrNoThread
// when none is, and ErrClosed when the case is no longer stored.
func (d *Desk) CaseByThread(ctx context.Context, thread string) (CaseInfo, error) {
	if err := checkID("thread", thread); err != nil {
		return CaseInfo{}, err
	}
	id, err := d.c.Get(ctx, d.threadKey(thread)).Result()
	if errors.Is(err, redis.Nil) {
		return CaseInfo{}, ErrNoThread
	}
	if err != nil {
		return CaseInfo{}, fmt.Errorf("find thread's case: %w", err)
	}
	return d.Get(ctx, id)
}

// Get returns what volunteers may know of a case, closed ones included. It
// returns ErrClosed when the case is not stored (never opened, forgotten,
// or expired).
func (d *Desk) Get(ctx context.Context, caseID string) (CaseInfo, error) {
	if err := checkID("case", caseID); err != nil {
		return CaseInfo{}, err
	}
	vals, err := d.c.HMGet(ctx, d.caseKey(caseID), caseFields...).Result()
	if err != nil {
		return CaseInfo{}, fmt.Errorf("read case: %w", err)
	}
	s := parseCase(caseID, vals)
	if !s.exists {
		return CaseInfo{}, ErrClosed
	}
	return s.info, nil
}
