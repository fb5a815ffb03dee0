"""lecture questions and votes, PDF materials, speaker photos, festival-preparation series and the
per-festival festival-ready requirement

Revision ID: c7d2e5a1f3b8
Revises: c7d2e5a91f30
Create Date: 2026-12-02 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e5a1f3b8'
down_revision = 'c7d2e5a91f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lecture_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('festival_preparation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entrants_must_be_ready', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('lecture_speakers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('photo_width', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('photo_height', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('photo_widths', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('photo_fallback_width', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('lecture_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lecture_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lecture_id'], ['lectures.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('storage_key')
    )
    with op.batch_alter_table('lecture_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lecture_materials_lecture_id'), ['lecture_id'], unique=False)
    op.create_table('lecture_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lecture_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.Enum('shown', 'hidden', name='questionstatus', native_enum=False, length=24), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lecture_id'], ['lectures.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lecture_questions', schema=None) as batch_op:
        batch_op.create_index('ix_lecture_questions_lecture', ['lecture_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_lecture_questions_user_id'), ['user_id'], unique=False)
    op.create_table('lecture_question_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['lecture_questions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_id', 'user_id', name='uq_lecture_question_votes_person')
    )
    with op.batch_alter_table('lecture_question_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lecture_question_votes_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lecture_question_votes_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('lecture_question_votes')
    op.drop_table('lecture_questions')
    op.drop_table('lecture_materials')
    with op.batch_alter_table('lecture_speakers', schema=None) as batch_op:
        for column in ('photo_fallback_width', 'photo_widths', 'photo_height', 'photo_width', 'photo_key'):
            batch_op.drop_column(column)
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.drop_column('entrants_must_be_ready')
    with op.batch_alter_table('lecture_series', schema=None) as batch_op:
        batch_op.drop_column('festival_preparation')
